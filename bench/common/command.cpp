#include "command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "common/log.h"

namespace mk::bench {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string read_head(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// Waits for `pid` until the deadline through a pidfd; kills it past the deadline. Returns the
// wait status.
int wait_with_deadline(pid_t pid, std::chrono::milliseconds timeout) {
  int status = 0;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    int r;
    do {
      r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
      MK_LOG(warn) << "bench: pid " << pid << " still running after " << timeout.count() << " ms, killing it";
      ::kill(pid, SIGKILL);
    }
    ::close(pidfd);
  }
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::string& log_path,
                                  std::chrono::milliseconds timeout) {
  if (argv.empty()) return make_error(Errc::invalid_argument, "run: empty command");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return errno_error("open " + log_path, errno);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();

  CommandResult result;
  int64_t start = now_ns();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return errno_error("fork " + argv[0], err);
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  int status = wait_with_deadline(pid, timeout);
  result.elapsed_ns = now_ns() - start;
  result.exit_code = exit_code_of(status);
  result.output = read_head(log_path, 65536);
  MK_LOG(debug) << "bench: " << argv[0] << (argv.size() > 1 ? " " + argv[1] : "") << " exited "
                << result.exit_code << " in " << result.elapsed_ns / 1000 << " us";
  return result;
}

Result<CommandResult> run_checked(const std::vector<std::string>& argv, const std::string& log_path,
                                  std::chrono::milliseconds timeout) {
  auto r = run_command(argv, log_path, timeout);
  if (!r) return r.error();
  if (r->exit_code != 0) {
    std::string what = argv[0];
    if (argv.size() > 1) what += " " + argv[1];
    return make_error(Errc::io, what + ": exit " + std::to_string(r->exit_code) + ": " + last_line(r->output));
  }
  return r;
}

std::string last_line(const std::string& output) {
  size_t end = output.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return "(no output)";
  size_t begin = output.rfind('\n', end);
  return output.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin == std::string::npos ? 0 : begin + 1));
}

}  // namespace mk::bench
