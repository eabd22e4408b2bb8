#include "runtime/container/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/log.h"
#include "runtime/container/child_report.h"
#include "runtime/container/unique_fd.h"

namespace mk::runtime::container {
namespace {

struct SyncMessage {
  int32_t pid = 0;
  int32_t oom_errno = 0;
};

Status join_cgroups(const std::vector<std::string>& files) {
  for (const auto& file : files) {
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return errno_error("open " + file, errno);
    // "0" is the writing process itself, whatever pid namespace reads it.
    if (::write(fd.get(), "0", 1) != 1) return errno_error("join cgroup " + file, errno);
  }
  return Status::ok();
}

int set_oom_score_adj(int value) {
  Fd fd(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  std::string text = std::to_string(value);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) return errno;
  return 0;
}

[[noreturn]] void run_intermediate(const SpawnSpec& spec, int error_fd, int sync_fd) {
  // Not dumpable: processes of the container cannot open /proc/<pid>/exe or the fds of this
  // process or of the container process before it execs (CVE-2016-9962, CVE-2019-5736).
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) report_failure(error_fd, errno_error("set not dumpable", errno));
  if (auto s = join_cgroups(spec.cgroup_procs); !s) report_failure(error_fd, s.error());
  SyncMessage msg;
  if (spec.oom_score_adj) msg.oom_errno = set_oom_score_adj(*spec.oom_score_adj);
  if (spec.join) {
    if (auto s = spec.join(); !s) report_failure(error_fd, s.error());
  }
  // A raw clone without a new stack behaves like fork. This process is single-threaded (it
  // came from fork), so the child may allocate.
  long pid = ::syscall(SYS_clone, spec.clone_flags | CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) report_failure(error_fd, errno_error("clone the container process", errno));
  if (pid == 0) {
    ::close(sync_fd);
    int fd = error_fd;
    Status s = spec.run(fd);
    report_failure(fd, s ? make_error(Errc::internal, "container process returned without exec") : s.error());
  }
  msg.pid = static_cast<int32_t>(pid);
  ssize_t n = ::write(sync_fd, &msg, sizeof msg);
  ::_exit(n == static_cast<ssize_t>(sizeof msg) ? 0 : 1);
}

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Result<pid_t> spawn(const SpawnSpec& spec) {
  int error_pipe[2], sync_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) return errno_error(spec.what + ": create the error pipe", errno);
  Fd error_read(error_pipe[0]), error_write(error_pipe[1]);
  if (::pipe2(sync_pipe, O_CLOEXEC) != 0) return errno_error(spec.what + ": create the sync pipe", errno);
  Fd sync_read(sync_pipe[0]), sync_write(sync_pipe[1]);

  // Signals stay blocked in the children until just before execve: a handler of the runtime
  // must never run in them.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &old);
  pid_t mid = ::fork();
  if (mid == 0) {
    error_read.reset();
    sync_read.reset();
    run_intermediate(spec, error_write.get(), sync_write.get());
  }
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (mid < 0) return errno_error(spec.what + ": fork", fork_errno);
  error_write.reset();
  sync_write.reset();

  SyncMessage msg;
  ssize_t got;
  do {
    got = ::read(sync_read.get(), &msg, sizeof msg);
  } while (got < 0 && errno == EINTR);
  reap(mid);
  // EOF comes when the container process has exec'd or exited, and the intermediate is gone.
  auto failure = read_failure(error_read.get());
  bool have_pid = got == static_cast<ssize_t>(sizeof msg) && msg.pid > 0;
  if (failure) {
    if (have_pid) reap(msg.pid);
    return failure->wrap(spec.what);
  }
  if (!have_pid) return make_error(Errc::internal, spec.what + ": the intermediate process exited without a pid");
  if (msg.oom_errno != 0) {
    MK_LOG(warn) << spec.what << ": set oom_score_adj to " << *spec.oom_score_adj << ": "
                 << errno_error("write", msg.oom_errno).message << " (kept the inherited value)";
  }
  return static_cast<pid_t>(msg.pid);
}

}  // namespace mk::runtime::container
