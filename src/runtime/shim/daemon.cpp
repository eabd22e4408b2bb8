#include "runtime/shim/daemon.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

namespace mk::runtime::shim {

Status daemonize(const char* log_path) {
  pid_t first = ::fork();
  if (first < 0) return errno_error("fork shim", errno);
  if (first > 0) ::_exit(0);  // the launcher reaps this one and waits on the ready pipe
  if (::setsid() < 0) return errno_error("setsid shim", errno);
  pid_t second = ::fork();
  if (second < 0) return errno_error("fork shim", errno);
  if (second > 0) ::_exit(0);
  // Orphans from the pod's containers come to us, not to init, so we can reap them.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return errno_error("set child subreaper", errno);
  if (::chdir("/") != 0) return errno_error("chdir /", errno);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return errno_error("open /dev/null", errno);
  ::dup2(null_fd, 0);
  ::dup2(null_fd, 1);
  int log_fd = ::open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  ::dup2(log_fd >= 0 ? log_fd : null_fd, 2);
  if (log_fd >= 0) ::close(log_fd);
  ::close(null_fd);
  return Status::ok();
}

}  // namespace mk::runtime::shim
