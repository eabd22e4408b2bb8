#include "e2e/netns_lab.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace mk::e2e {
namespace {

// A socket of `type` in the namespace `ns_fd`: a socket belongs to the namespace it was made
// in, so a short thread enters the namespace only to create it.
int socket_in(int ns_fd, int type) {
  int fd = -1, err = 0;
  std::thread([&] {
    if (setns(ns_fd, CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) err = errno;
  }).join();
  if (fd < 0) throw std::runtime_error(std::string("socket in namespace: ") + strerror(err));
  return fd;
}

sockaddr_in address(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1) throw std::runtime_error("bad address " + ip);
  return a;
}

bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  return poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

// Reads up to a newline; "" on timeout or close.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char c;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_fd(fd, POLLIN, left)) return "";
    ssize_t n = read(fd, &c, 1);
    if (n <= 0) return "";
    if (c == '\n') return line;
    line += c;
  }
}

// Connects with a deadline; returns 0 or the errno.
int connect_within(int fd, const sockaddr_in& a, std::chrono::milliseconds timeout) {
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int rc = connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  int err = 0;
  if (rc != 0 && errno != EINPROGRESS) {
    err = errno;
  } else if (rc != 0) {
    if (!wait_fd(fd, POLLOUT, timeout)) {
      err = ETIMEDOUT;
    } else {
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
  }
  fcntl(fd, F_SETFL, flags);
  return err;
}

}  // namespace

int run_command(const std::vector<std::string>& argv, std::string* out) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    throw std::runtime_error("spawn " + argv[0] + ": " + strerror(rc));
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

NetNs::NetNs(std::string name) : name_(std::move(name)) {
  std::string out;
  if (run_command({"ip", "netns", "add", name_}, &out) != 0) throw std::runtime_error("ip netns add " + name_ + ": " + out);
  fd_ = open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    run_command({"ip", "netns", "del", name_});
    throw std::runtime_error("open netns " + name_);
  }
  ip({"link", "set", "lo", "up"});
}

NetNs::~NetNs() {
  if (fd_ >= 0) close(fd_);
  run_command({"ip", "netns", "del", name_});
}

void NetNs::ip(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"ip", "-n", name_};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  if (run_command(argv, &out) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error(cmd + ": " + out);
  }
}

int NetNs::exec(const std::vector<std::string>& argv, std::string* out) const {
  std::vector<std::string> full = {"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return run_command(full, out);
}

TestServer::TestServer(const NetNs& ns, Proto proto, int port, std::string reply)
    : proto_(proto), reply_(std::move(reply)) {
  fd_ = socket_in(ns.fd(), proto == Proto::tcp ? SOCK_STREAM : SOCK_DGRAM);
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = address("0.0.0.0", port);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind: " + std::string(strerror(errno)));
  if (proto == Proto::tcp && listen(fd_, 64) != 0) throw std::runtime_error("listen");
  thread_ = std::thread([this] { serve(); });
}

TestServer::~TestServer() {
  stop_ = true;
  shutdown(fd_, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  close(fd_);
}

void TestServer::serve() {
  std::vector<std::thread> sessions;
  while (!stop_) {
    if (!wait_fd(fd_, POLLIN, std::chrono::milliseconds(100))) continue;
    if (proto_ == Proto::udp) {
      char buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n >= 0) sendto(fd_, reply_.data(), reply_.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      continue;
    }
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    sessions.emplace_back([this, c] {
      std::string hello = reply_ + "\n";
      if (write(c, hello.data(), hello.size()) < 0) {
        close(c);
        return;
      }
      while (!stop_) {
        std::string line = read_line(c, std::chrono::milliseconds(200));
        if (line.empty()) {
          // Either nothing yet or closed: check whether the peer is still there.
          char probe;
          pollfd p{c, POLLIN, 0};
          if (poll(&p, 1, 0) == 1 && recv(c, &probe, 1, MSG_PEEK) <= 0) break;
          continue;
        }
        std::string answer = reply_ + ":" + line + "\n";
        if (write(c, answer.data(), answer.size()) < 0) break;
      }
      close(c);
    });
  }
  for (auto& t : sessions) t.join();
}

Reply tcp_get(const NetNs& ns, const std::string& ip, int port, std::chrono::milliseconds timeout) {
  Reply r;
  int fd = socket_in(ns.fd(), SOCK_STREAM);
  r.error = connect_within(fd, address(ip, port), timeout);
  if (r.error == 0) {
    r.text = read_line(fd, timeout);
    r.ok = !r.text.empty();
    if (!r.ok) r.error = ETIMEDOUT;
  }
  close(fd);
  return r;
}

Reply udp_get(const NetNs& ns, const std::string& ip, int port, std::chrono::milliseconds timeout, int local_port) {
  Reply r;
  int fd = socket_in(ns.fd(), SOCK_DGRAM);
  if (local_port) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in me = address("0.0.0.0", local_port);
    bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof me);
  }
  sockaddr_in a = address(ip, port);
  if (sendto(fd, "?", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    r.error = errno;
  } else if (wait_fd(fd, POLLIN, timeout)) {
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      r.ok = true;
      r.text.assign(buf, static_cast<size_t>(n));
    } else {
      r.error = errno;
    }
  } else {
    r.error = ETIMEDOUT;
  }
  close(fd);
  return r;
}

TcpSession::TcpSession(const NetNs& ns, const std::string& ip, int port, std::chrono::milliseconds timeout) {
  fd_ = socket_in(ns.fd(), SOCK_STREAM);
  int err = connect_within(fd_, address(ip, port), timeout);
  if (err != 0) throw std::runtime_error("connect " + ip + ":" + std::to_string(port) + ": " + strerror(err));
  greeting_ = read_line(fd_, timeout);
}

TcpSession::~TcpSession() { close(fd_); }

std::string TcpSession::exchange(const std::string& line, std::chrono::milliseconds timeout) {
  std::string out = line + "\n";
  if (write(fd_, out.data(), out.size()) < 0) return "";
  return read_line(fd_, timeout);
}

}  // namespace mk::e2e
