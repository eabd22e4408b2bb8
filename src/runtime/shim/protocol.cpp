#include "runtime/shim/protocol.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace mk::runtime::shim {
namespace {

Status write_all(int sock, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(sock, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("send shim message", errno);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::ok();
}

Status read_all(int sock, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::recv(sock, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("receive shim message", errno);
    if (n == 0) return make_error(Errc::io, "receive shim message: connection closed mid-message");
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace

Status send_message(int sock, const nlohmann::json& body, const std::vector<int>& fds) {
  std::string text = body.dump();
  if (text.size() > kMaxMessageBytes) return make_error(Errc::too_large, "send shim message: too large");
  if (fds.size() > kMaxMessageFds) return make_error(Errc::invalid_argument, "send shim message: too many fds");
  unsigned char header[4] = {static_cast<unsigned char>(text.size() >> 24),
                             static_cast<unsigned char>(text.size() >> 16),
                             static_cast<unsigned char>(text.size() >> 8),
                             static_cast<unsigned char>(text.size())};
  iovec iov{header, sizeof header};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("send shim message", errno);
  if (static_cast<size_t>(n) < sizeof header) {
    if (auto s = write_all(sock, reinterpret_cast<char*>(header) + n, sizeof header - n); !s) return s;
  }
  return write_all(sock, text.data(), text.size());
}

Result<Message> receive_message(int sock) {
  Message out;
  unsigned char header[4];
  iovec iov{header, sizeof header};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMessageFds)] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("receive shim message", errno);
  if (n == 0) return make_error(Errc::unavailable, "receive shim message: connection closed");
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      out.fds.emplace_back(fd);
    }
  }
  if (static_cast<size_t>(n) < sizeof header) {
    if (auto s = read_all(sock, reinterpret_cast<char*>(header) + n, sizeof header - n); !s) return s.error();
  }
  size_t size = (size_t{header[0]} << 24) | (size_t{header[1]} << 16) | (size_t{header[2]} << 8) | header[3];
  if (size > kMaxMessageBytes) return make_error(Errc::too_large, "receive shim message: too large");
  std::string text(size, '\0');
  if (auto s = read_all(sock, text.data(), size); !s) return s.error();
  out.body = nlohmann::json::parse(text, nullptr, false);
  if (out.body.is_discarded() || !out.body.is_object()) {
    return make_error(Errc::corrupt, "receive shim message: not a JSON object");
  }
  return out;
}

nlohmann::json error_reply(const std::string& message) {
  return {{"ok", false}, {"error", message}};
}

}  // namespace mk::runtime::shim
