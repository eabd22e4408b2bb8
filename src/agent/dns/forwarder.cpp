#include "agent/dns/forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace mk::agent::dns {
namespace {

using Clock = std::chrono::steady_clock;

bool to_sockaddr(const Upstream& u, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET, u.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(u.port);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET6, u.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(u.port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// Waits for `events` on `fd` until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// The question section's bytes (everything after the header up to the first record), for
// matching a reply to its query; compared without regard to letter case.
std::string_view question_bytes(std::string_view msg) {
  size_t at = 12;
  uint16_t qd = msg.size() >= 6 ? static_cast<uint16_t>(static_cast<uint8_t>(msg[4]) << 8 | static_cast<uint8_t>(msg[5])) : 0;
  for (uint16_t i = 0; i < qd; ++i) {
    while (at < msg.size()) {
      uint8_t len = static_cast<uint8_t>(msg[at]);
      if (len == 0) {
        ++at;
        break;
      }
      if ((len & 0xC0) == 0xC0) {
        at += 2;
        break;
      }
      at += 1 + len;
    }
    at += 4;
  }
  if (at > msg.size()) return {};
  return msg.substr(12, at - 12);
}

bool same_question(std::string_view a, std::string_view b) {
  std::string_view qa = question_bytes(a), qb = question_bytes(b);
  if (qa.size() != qb.size()) return false;
  for (size_t i = 0; i < qa.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(qa[i])) != std::tolower(static_cast<unsigned char>(qb[i]))) return false;
  return true;
}

uint16_t id_of(std::string_view msg) {
  return static_cast<uint16_t>(static_cast<uint8_t>(msg[0]) << 8 | static_cast<uint8_t>(msg[1]));
}

void set_id(std::string& msg, uint16_t id) {
  msg[0] = static_cast<char>(id >> 8);
  msg[1] = static_cast<char>(id & 0xFF);
}

bool read_exact(int fd, char* buf, size_t n, Clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    if (!wait_for(fd, POLLIN, deadline)) return false;
    ssize_t r = ::recv(fd, buf + got, n - got, 0);
    if (r == 0) return false;
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

Result<std::string> Forwarder::exchange(std::string_view query, bool tcp) const {
  if (query.size() < 12) return make_error(Errc::invalid_argument, "forward: query shorter than a header");
  auto parsed = parse(query);
  if (parsed && parsed->questions.size() == 1) {
    size_t limit = tcp ? 65535 : (parsed->edns ? std::clamp<size_t>(parsed->edns->udp_size, 512, 4096) : 512);
    if (auto hit = cache_.get(*parsed, limit)) return std::move(*hit);
  }
  if (upstreams_.empty()) return make_error(Errc::unavailable, "forward: no upstream nameservers");
  Error last = make_error(Errc::unavailable, "forward: no upstream answered");
  for (const auto& u : upstreams_) {
    auto reply = exchange_one(u, query, tcp);
    if (reply) {
      if (parsed && parsed->questions.size() == 1) cache_.put(*parsed, *reply);
      return reply;
    }
    last = reply.error();
  }
  return last;
}

Result<std::string> Forwarder::exchange_one(const Upstream& u, std::string_view query, bool tcp) const {
  std::string where = u.address + ":" + std::to_string(u.port);
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!to_sockaddr(u, ss, len)) return make_error(Errc::invalid_argument, "forward to " + where + ": not an address");
  auto deadline = Clock::now() + timeout_;
  UniqueFd fd(::socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno_error("forward to " + where + ": socket", errno);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) return errno_error("forward to " + where + ": connect", errno);
    if (!wait_for(fd.get(), POLLOUT, deadline)) return make_error(Errc::unavailable, "forward to " + where + ": connect timed out");
    int err = 0;
    socklen_t elen = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err != 0) return errno_error("forward to " + where + ": connect", err);
  }
  uint16_t client_id = id_of(query);
  uint16_t id = 0;
  if (::getrandom(&id, sizeof id, 0) != sizeof id) id = static_cast<uint16_t>(client_id ^ 0x5a5a);
  std::string out(query);
  set_id(out, id);

  std::string reply;
  if (tcp) {
    std::string framed;
    framed += static_cast<char>(out.size() >> 8);
    framed += static_cast<char>(out.size() & 0xFF);
    framed += out;
    size_t sent = 0;
    while (sent < framed.size()) {
      if (!wait_for(fd.get(), POLLOUT, deadline)) return make_error(Errc::unavailable, "forward to " + where + ": send timed out");
      ssize_t n = ::send(fd.get(), framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EINTR && errno != EAGAIN) return errno_error("forward to " + where + ": send", errno);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    unsigned char prefix[2];
    if (!read_exact(fd.get(), reinterpret_cast<char*>(prefix), 2, deadline))
      return make_error(Errc::unavailable, "forward to " + where + ": no reply over TCP");
    reply.resize(static_cast<size_t>(prefix[0]) << 8 | prefix[1]);
    if (!read_exact(fd.get(), reply.data(), reply.size(), deadline))
      return make_error(Errc::unavailable, "forward to " + where + ": reply cut short");
    if (reply.size() < 12 || id_of(reply) != id || !same_question(reply, out))
      return make_error(Errc::corrupt, "forward to " + where + ": reply does not match the query");
  } else {
    if (::send(fd.get(), out.data(), out.size(), MSG_NOSIGNAL) < 0) return errno_error("forward to " + where + ": send", errno);
    char buf[65536];
    while (true) {
      if (!wait_for(fd.get(), POLLIN, deadline)) return make_error(Errc::unavailable, "forward to " + where + ": timed out");
      ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return errno_error("forward to " + where + ": receive", errno);  // ICMP unreachable, say
      }
      std::string_view got(buf, static_cast<size_t>(n));
      // Anything else on this connected socket is stray or spoofed: keep waiting.
      if (got.size() >= 12 && id_of(got) == id && (static_cast<uint8_t>(got[2]) & 0x80) && same_question(got, out)) {
        reply.assign(got);
        break;
      }
    }
  }
  set_id(reply, client_id);
  return reply;
}

}  // namespace mk::agent::dns
