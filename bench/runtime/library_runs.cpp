#include "library_runs.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

#include "runtime/container/container.h"

namespace mk::rtbench {
namespace {

namespace ctr = runtime::container;

ctr::Config config_for(const std::string& rootfs, std::vector<std::string> args, bool seccomp_default) {
  ctr::Config c;
  c.id = "bench";
  c.rootfs = rootfs;
  c.hostname = "box";
  c.namespaces = {{CLONE_NEWPID, ""}, {CLONE_NEWIPC, ""}, {CLONE_NEWUTS, ""}, {CLONE_NEWNET, ""}};
  c.process.args = std::move(args);
  c.process.env = {"PATH=/bin"};
  c.process.seccomp = seccomp_default ? ctr::Seccomp::runtime_default : ctr::Seccomp::unconfined;
  return c;
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

Series time_library_true(const std::string& rootfs, bool seccomp_default, const Plan& plan) {
  ctr::Config config = config_for(rootfs, {"/bin/true"}, seccomp_default);
  return run_series(plan, plan.runs, [&]() -> Result<int64_t> {
    int64_t start = steady_now_ns();
    auto pid = ctr::start(config);
    if (!pid) return pid.error();
    int code = reap(*pid);
    int64_t elapsed = steady_now_ns() - start;
    if (code != 0) return make_error(Errc::io, "/bin/true exited " + std::to_string(code));
    return elapsed;
  });
}

Series time_library_sleep(const std::string& rootfs, const Plan& plan) {
  ctr::Config config = config_for(rootfs, {"sleep", "1000"}, true);
  return run_series(plan, plan.runs, [&]() -> Result<int64_t> {
    int64_t start = steady_now_ns();
    auto pid = ctr::start(config);
    if (!pid) return pid.error();
    int64_t elapsed = steady_now_ns() - start;
    ::kill(*pid, SIGKILL);
    reap(*pid);
    return elapsed;
  });
}

}  // namespace mk::rtbench
