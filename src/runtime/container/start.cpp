// container::start: the container's first process, in new (or the pod's) namespaces, with its
// own root filesystem.

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/log.h"
#include "runtime/container/container.h"
#include "runtime/container/process_setup.h"
#include "runtime/container/rootfs.h"
#include "runtime/container/spawn.h"
#include "runtime/container/unique_fd.h"

namespace mk::runtime::container {
namespace {

struct JoinedNamespace {
  int type;
  std::string path;
  Fd fd;
};

// The user namespace first (it owns the others), the pid namespace last before clone.
int join_rank(int type) {
  switch (type) {
    case CLONE_NEWUSER: return 0;
    case CLONE_NEWPID: return 2;
    default: return 1;
  }
}

bool known_type(int type) {
  return type == CLONE_NEWNET || type == CLONE_NEWIPC || type == CLONE_NEWUTS || type == CLONE_NEWPID ||
         type == CLONE_NEWNS || type == CLONE_NEWCGROUP || type == CLONE_NEWUSER;
}

}  // namespace

Result<pid_t> start(const Config& config) {
  std::string what = "start container " + config.id;
  auto plan = plan_process(config.process);
  if (!plan) return plan.error().wrap(what);

  unsigned long new_flags = CLONE_NEWNS;  // always a mount namespace of its own
  bool own_net = false, new_uts = false;
  std::vector<JoinedNamespace> joins;
  for (const auto& ns : config.namespaces) {
    if (!known_type(ns.type)) return make_error(Errc::invalid_argument, what + ": unknown namespace type " + std::to_string(ns.type));
    if (ns.type == CLONE_NEWNET) own_net = true;
    if (ns.path.empty()) {
      if (ns.type == CLONE_NEWUSER) return make_error(Errc::unsupported, what + ": creating a user namespace is not supported");
      new_flags |= static_cast<unsigned long>(ns.type);
      if (ns.type == CLONE_NEWUTS) new_uts = true;
      continue;
    }
    if (ns.type == CLONE_NEWNS) return make_error(Errc::invalid_argument, what + ": a container always gets a new mount namespace");
    Fd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(what + ": open namespace " + ns.path, errno);
    joins.push_back(JoinedNamespace{ns.type, ns.path, std::move(fd)});
  }
  std::stable_sort(joins.begin(), joins.end(),
                   [](const JoinedNamespace& a, const JoinedNamespace& b) { return join_rank(a.type) < join_rank(b.type); });
  if (!config.hostname.empty() && !new_uts) {
    MK_LOG(debug) << what << ": hostname ignored without a new UTS namespace";
  }

  SpawnSpec spec;
  spec.what = what;
  spec.cgroup_procs = config.cgroup_procs;
  spec.oom_score_adj = config.process.oom_score_adj;
  // The cgroup namespace is created with the process, after the intermediate joined the
  // cgroups, so its root is the container's cgroup.
  spec.clone_flags = new_flags;
  spec.join = [&joins]() -> Status {
    for (const auto& j : joins) {
      if (::setns(j.fd.get(), j.type) != 0) return errno_error("join namespace " + j.path, errno);
    }
    return Status::ok();
  };
  const ProcessPlan& process = *plan;
  spec.run = [&config, &process, own_net, new_uts](int& error_fd) -> Status {
    reset_signal_dispositions();
    if (auto s = setup_stdio(process.process, error_fd); !s) return s;
    if (new_uts && !config.hostname.empty() && ::sethostname(config.hostname.data(), config.hostname.size()) != 0) {
      return errno_error("set hostname " + config.hostname, errno);
    }
    RootfsOptions options;
    options.own_net_namespace = own_net;
    options.terminal = process.process.terminal >= 0;
    if (auto s = setup_rootfs(config, options); !s) return s;
    return exec_process(process);
  };
  return spawn(spec);
}

}  // namespace mk::runtime::container
