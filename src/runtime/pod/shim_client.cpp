#include "runtime/pod/shim_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "runtime/shim/container_files.h"

namespace mk::runtime::pod {

using shim::UniqueFd;

std::string default_shim_path() {
  if (const char* env = std::getenv("MINIKUBE_SHIM"); env && *env) return env;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "minikube-shim";
  std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/') + 1) + "minikube-shim";
}

Status launch_shim(const std::string& shim_path, const std::string& pod_dir) {
  if (::access(shim_path.c_str(), X_OK) != 0) return errno_error("find shim " + shim_path, errno);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("create pipe", errno);
  UniqueFd ready_read(fds[0]), ready_write(fds[1]);
  pid_t child = ::fork();
  if (child < 0) return errno_error("fork shim", errno);
  if (child == 0) {
    // fd 3 carries the ready message; dup2 clears close-on-exec on it (fcntl when it is fd 3
    // already). Every other fd is closed: the shim outlives this process, and an inherited
    // descriptor without close-on-exec (a listening socket of the API server, say) would stay
    // open in it, so that a restarted minikube could not listen on its port again.
    if (ready_write.get() == 3) {
      ::fcntl(3, F_SETFD, 0);
    } else if (::dup2(ready_write.get(), 3) < 0) {
      ::_exit(127);
    }
    ::close_range(4, ~0U, 0);
    const char* argv[] = {shim_path.c_str(), pod_dir.c_str(), "3", nullptr};
    ::execv(shim_path.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ready_write.reset();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return make_error(Errc::internal, "start shim " + shim_path + " for " + pod_dir + ": it exited with status " +
                                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
  }
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return make_error(Errc::unavailable, "start shim for " + pod_dir + ": not ready after 10s");
    pollfd p{ready_read.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("wait for shim", errno);
    if (n == 0) continue;
    char buf[512];
    ssize_t got = ::read(ready_read.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    answer.append(buf, static_cast<size_t>(got));
  }
  if (answer == "ok\n") return Status::ok();
  if (answer.starts_with("error: ")) {
    return make_error(Errc::internal, "start shim for " + pod_dir + ": " + answer.substr(7, answer.size() - 8));
  }
  return make_error(Errc::internal, "start shim for " + pod_dir + ": it exited without saying why (see shim.log)");
}

int live_shim_pid(const std::string& pod_dir) {
  auto j = shim::read_json_file(pod_dir + "/shim.json");
  if (!j) return 0;
  int pid = j->value("pid", 0);
  uint64_t start = j->value("start_time", uint64_t{0});
  if (pid <= 0 || start == 0) return 0;
  return shim::process_start_time(pid) == start ? pid : 0;
}

Result<UniqueFd> connect_shim(const std::string& pod_dir) {
  std::string path = pod_dir + "/shim.sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return make_error(Errc::invalid_argument, "connect " + path + ": path too long for a unix socket");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return errno_error("create socket", errno);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return errno_error("connect " + path, errno);
  }
  return sock;
}

Result<shim::Message> call_shim(const std::string& pod_dir, const nlohmann::json& request,
                                const std::vector<int>& fds) {
  auto sock = connect_shim(pod_dir);
  if (!sock) return sock.error();
  if (auto s = shim::send_message(sock->get(), request, fds); !s) return s.error();
  auto reply = shim::receive_message(sock->get());
  if (!reply) return reply.error();
  if (!reply->body.value("ok", false)) {
    return make_error(Errc::internal, reply->body.value("error", "shim request failed"));
  }
  return reply;
}

}  // namespace mk::runtime::pod
