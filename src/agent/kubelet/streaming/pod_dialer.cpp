#include "agent/kubelet/streaming/pod_dialer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace mk::agent::kubelet::streaming {
namespace {

// One attempt in the current thread's namespace; on failure `err` says why.
UniqueFd connect_loopback(bool v6, std::uint16_t port, std::string& err) {
  UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  std::string target = v6 ? "tcp6 [::1]:" + std::to_string(port) : "tcp4 127.0.0.1:" + std::to_string(port);
  if (!fd) {
    err = "dial " + target + ": socket: " + std::strerror(errno);
    return {};
  }
  int rc;
  if (v6) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(port);
    addr.sin6_addr = in6addr_loopback;
    do rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    while (rc < 0 && errno == EINTR);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    do rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    while (rc < 0 && errno == EINTR);
  }
  if (rc < 0) {
    err = "dial " + target + ": connect: " + std::strerror(errno);
    // Go's spelling, which users know from kubectl's messages.
    if (errno == ECONNREFUSED) err = "dial " + target + ": connect: connection refused";
    return {};
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

Result<UniqueFd> dial_pod_port(const std::string& netns_path, std::uint16_t port) {
  if (port == 0) return make_error(Errc::invalid_argument, "port 0 cannot be forwarded");
  Result<UniqueFd> result = make_error(Errc::internal, "dial: not attempted");
  auto dial = [&] {
    if (!netns_path.empty()) {
      UniqueFd ns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!ns) {
        result = errno_error("open network namespace " + netns_path, errno);
        return;
      }
      if (::setns(ns.get(), CLONE_NEWNET) < 0) {
        result = errno_error("enter network namespace " + netns_path, errno);
        return;
      }
    }
    std::string err4, err6;
    if (UniqueFd fd = connect_loopback(false, port, err4)) {
      result = std::move(fd);
      return;
    }
    if (UniqueFd fd = connect_loopback(true, port, err6)) {
      result = std::move(fd);
      return;
    }
    result = make_error(Errc::unavailable, err4);
  };
  if (netns_path.empty()) {
    dial();
  } else {
    // The namespace change dies with this thread.
    std::thread(dial).join();
  }
  return result;
}

}  // namespace mk::agent::kubelet::streaming
