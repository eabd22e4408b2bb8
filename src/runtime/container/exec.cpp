// container::exec: another process in a running container, entering the namespaces, cgroups
// and root of its first process.

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/container.h"
#include "runtime/container/process_setup.h"
#include "runtime/container/spawn.h"
#include "runtime/container/unique_fd.h"

namespace mk::runtime::container {
namespace {

struct Kind {
  const char* name;
  int type;
};
// Join order: user first, then the rest, the pid namespace (effective for the clone that
// follows) and the mount namespace last, once nothing on the host needs resolving.
constexpr Kind kKinds[] = {{"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},
                           {"net", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"pid", CLONE_NEWPID},
                           {"mnt", CLONE_NEWNS}};

struct Joined {
  int type;
  std::string path;
  Fd fd;
};

}  // namespace

Result<pid_t> exec(const ExecConfig& config) {
  std::string what = "exec in container";
  if (!config.rootfs_hint.empty()) what += " " + config.rootfs_hint;
  what += " (pid " + std::to_string(config.target) + ")";
  if (config.target <= 0) return make_error(Errc::invalid_argument, what + ": no target process");
  auto plan = plan_process(config.process);
  if (!plan) return plan.error().wrap(what);

  // Everything is opened before anything changes: these fds pin the namespaces and the root
  // even if the target exits meanwhile.
  std::string proc = "/proc/" + std::to_string(config.target);
  std::vector<Joined> joins;
  for (const auto& k : kKinds) {
    std::string path = proc + "/ns/" + k.name;
    struct stat mine{}, theirs{};
    if (::stat(path.c_str(), &theirs) != 0) {
      if (errno == ENOENT && ::access(proc.c_str(), F_OK) == 0) continue;  // kernel without it
      return errno_error(what + ": the container's first process is not running: stat " + path, errno);
    }
    std::string self = std::string("/proc/self/ns/") + k.name;
    if (::stat(self.c_str(), &mine) == 0 && mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev) continue;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(what + ": open " + path, errno);
    joins.push_back(Joined{k.type, path, std::move(fd)});
  }
  Fd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return errno_error(what + ": open " + proc + "/root", errno);

  SpawnSpec spec;
  spec.what = what;
  spec.cgroup_procs = config.cgroup_procs;
  spec.oom_score_adj = config.process.oom_score_adj;
  int root_fd = root.get();
  spec.join = [&joins, root_fd]() -> Status {
    for (const auto& j : joins) {
      if (::setns(j.fd.get(), j.type) != 0) return errno_error("join namespace " + j.path, errno);
    }
    // The container's root: already ours when its mount namespace was joined (pivot_root made
    // it that namespace's root); needed when it shares ours.
    if (::fchdir(root_fd) != 0) return errno_error("enter the container root", errno);
    if (::chroot(".") != 0) return errno_error("chroot into the container root", errno);
    if (::chdir("/") != 0) return errno_error("chdir /", errno);
    return Status::ok();
  };
  const ProcessPlan& process = *plan;
  spec.run = [&process](int& error_fd) -> Status {
    reset_signal_dispositions();
    if (auto s = setup_stdio(process.process, error_fd); !s) return s;
    return exec_process(process);
  };
  return spawn(spec);
}

}  // namespace mk::runtime::container
