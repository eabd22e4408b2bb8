#include "runtime/container/process_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <map>
#include <mutex>

#include "runtime/container/capabilities.h"
#include "runtime/container/path_lookup.h"
#include "runtime/container/user.h"

namespace mk::runtime::container {
namespace {

void close_fds_from(int first) {
  if (::syscall(SYS_close_range, first, ~0U, 0) == 0) return;
  // Kernels before 5.9: close what could be open.
  rlimit rl{};
  long max = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? static_cast<long>(rl.rlim_cur) : 65536;
  for (long fd = first; fd < max; ++fd) ::close(static_cast<int>(fd));
}

bool has_env(const std::vector<std::string>& env, const char* prefix) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
}

}  // namespace

Result<ProcessPlan> plan_process(const Process& process) {
  if (process.args.empty() || process.args[0].empty()) {
    return make_error(Errc::invalid_argument, "no command given");
  }
  ProcessPlan plan;
  plan.process = process;
  plan.last_cap = last_capability();
  auto caps = capability_set(process, plan.last_cap);
  if (!caps) return caps.error();
  // A capability the runtime itself lacks cannot be granted (capset would refuse).
  for (int cap = 0; cap <= plan.last_cap; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0) *caps &= ~(uint64_t{1} << cap);
  }
  plan.capabilities = *caps;

  for (auto& r : plan.process.rlimits) {
    rlimit host{};
    if (::getrlimit(r.resource, &host) != 0) return errno_error("get rlimit " + std::to_string(r.resource), errno);
    if (host.rlim_max != RLIM_INFINITY && r.hard > host.rlim_max) r.hard = host.rlim_max;
    if (r.soft > r.hard) r.soft = r.hard;
  }

  if (!process.privileged && process.seccomp == Seccomp::runtime_default) {
    // RuntimeDefault depends only on the capability set, and compiling it with libseccomp
    // costs more than the rest of a start: compile once per set and process.
    static std::mutex mu;
    static std::map<uint64_t, seccomp::Program> compiled;
    uint64_t set = plan.capabilities;
    std::lock_guard lock(mu);
    auto it = compiled.find(set);
    if (it == compiled.end()) {
      auto program = seccomp::compile(seccomp::runtime_default_profile(), [set](std::string_view name) {
        auto cap = capability_number(name);
        return cap && (set & (uint64_t{1} << *cap)) != 0;
      });
      if (!program) return program.error();
      it = compiled.emplace(set, std::move(*program)).first;
    }
    plan.filter = it->second;
  } else if (!process.privileged && process.seccomp != Seccomp::unconfined) {
    seccomp::Profile profile;
    if (process.seccomp == Seccomp::runtime_default) {
      profile = seccomp::runtime_default_profile();
    } else {
      if (process.seccomp_profile.empty()) {
        return make_error(Errc::invalid_argument, "seccomp profile type Localhost needs a profile path");
      }
      auto loaded = seccomp::load_profile_file(process.seccomp_profile);
      if (!loaded) return loaded.error();
      profile = std::move(*loaded);
    }
    uint64_t set = plan.capabilities;
    auto program = seccomp::compile(profile, [set](std::string_view name) {
      auto cap = capability_number(name);
      return cap && (set & (uint64_t{1} << *cap)) != 0;
    });
    if (!program) return program.error();
    plan.filter = std::move(*program);
  }
  return plan;
}

Status setup_stdio(const Process& p, int& error_fd) {
  int sources[3] = {p.stdin_fd, p.stdout_fd, p.stderr_fd};
  if (p.terminal >= 0) sources[0] = sources[1] = sources[2] = p.terminal;
  // Everything is first copied above 2, so the dup2s below cannot clobber a source.
  int moved[3];
  for (int i = 0; i < 3; ++i) {
    int fd = sources[i];
    int opened = -1;
    if (fd < 0) {
      opened = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      if (opened < 0) return errno_error("open /dev/null", errno);
      fd = opened;
    }
    moved[i] = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (moved[i] < 0) return errno_error("duplicate stdio fd " + std::to_string(fd), errno);
  }
  int err = ::fcntl(error_fd, F_DUPFD_CLOEXEC, 3);
  if (err < 0) return errno_error("duplicate the error pipe", errno);
  error_fd = err;
  if (::setsid() < 0) return errno_error("setsid", errno);
  if (p.terminal >= 0 && ::ioctl(moved[0], TIOCSCTTY, 0) != 0) return errno_error("set the controlling terminal", errno);
  for (int i = 0; i < 3; ++i) {
    if (::dup2(moved[i], i) < 0) return errno_error("dup2 onto fd " + std::to_string(i), errno);
  }
  if (error_fd != 3) {
    if (::dup3(error_fd, 3, O_CLOEXEC) < 0) return errno_error("move the error pipe", errno);
    error_fd = 3;
  }
  close_fds_from(4);
  return Status::ok();
}

void reset_signal_dispositions() {
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::sigaction(sig, &dfl, nullptr);  // glibc's internal signals refuse; nothing to do then
  }
}

Status exec_process(const ProcessPlan& plan) {
  const Process& p = plan.process;
  for (const auto& r : p.rlimits) {
    rlimit rl{static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)};
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &rl) != 0) {
      return errno_error("set rlimit " + std::to_string(r.resource) + " to " + std::to_string(r.soft) + ":" +
                             std::to_string(r.hard),
                         errno);
    }
  }
  auto id = resolve_identity_in_root(p.user, p.extra_groups);
  if (!id) return id.error();
  std::vector<std::string> env = p.env;
  if (!has_env(env, "HOME=")) env.push_back("HOME=" + id->home);

  // The working directory is entered inside the container root, after pivot_root; a directory
  // only the user may enter is retried after the switch.
  bool cwd_pending = false;
  if (::chdir(p.cwd.c_str()) != 0) {
    if (errno != EACCES || id->uid == 0) return errno_error("chdir to cwd \"" + p.cwd + "\"", errno);
    cwd_pending = true;
  }

  // Without no_new_privs the filter needs CAP_SYS_ADMIN, which is about to go.
  if (plan.filter && !p.no_new_privs) {
    if (int e = seccomp::install(*plan.filter); e != 0) return errno_error("load seccomp filter", e);
  }
  if (auto s = drop_bounding_set(plan.capabilities, plan.last_cap); !s) return s;
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return errno_error("set keepcaps", errno);
  std::vector<gid_t> groups(id->groups.begin(), id->groups.end());
  if (::setgroups(groups.size(), groups.data()) != 0) return errno_error("setgroups", errno);
  if (::setresgid(id->gid, id->gid, id->gid) != 0) return errno_error("setgid " + std::to_string(id->gid), errno);
  if (::setresuid(id->uid, id->uid, id->uid) != 0) return errno_error("setuid " + std::to_string(id->uid), errno);
  if (auto s = set_process_capabilities(plan.capabilities); !s) return s;
  if (cwd_pending && ::chdir(p.cwd.c_str()) != 0) return errno_error("chdir to cwd \"" + p.cwd + "\"", errno);
  // A cwd outside the container root reads as "(unreachable)..." or fails (CVE-2024-21626).
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/') {
    return make_error(Errc::permission_denied, "current working directory is outside of the container root");
  }
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_error("set no_new_privs", errno);

  auto path = look_path(p.args[0], env);
  if (!path) return path.error();
  std::vector<char*> argv, envp;
  for (const auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  close_fds_from(4);  // only stdio and the close-on-exec error pipe remain
  // As late as possible, so the filter has to allow little of this code's own work.
  if (plan.filter && p.no_new_privs) {
    if (int e = seccomp::install(*plan.filter); e != 0) return errno_error("load seccomp filter", e);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // CVE-2019-5736: until here /proc/self/exe is the runtime's binary, but this process is not
  // dumpable (PR_SET_DUMPABLE 0 before it was cloned), so nothing in the container can open
  // it; execve replaces the image with the user's binary, so from now on /proc/<pid>/exe names
  // a file of the container. The runtime binary is never executed inside the container, and
  // every fd but stdio is gone.
  ::execve(path->c_str(), argv.data(), envp.data());
  return exec_error(*path, errno);
}

}  // namespace mk::runtime::container
