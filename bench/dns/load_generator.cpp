#include "load_generator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace mk::bench::dns {
namespace {

double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

uint16_t rcode_and_count(const char* msg) {
  return static_cast<uint16_t>((static_cast<uint8_t>(msg[3]) & 0xF) << 12 | static_cast<uint8_t>(msg[7]));
}

}  // namespace

LoadResult run_load(const LoadSpec& spec) {
  int fd = ::socket(AF_INET, (spec.tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(spec.port);
  inet_pton(AF_INET, spec.address.c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    throw std::runtime_error("connect: " + std::string(strerror(errno)));
  }
  int big = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);

  std::string packet = spec.query;
  std::string framed;
  auto send_one = [&](uint16_t id) {
    packet[0] = static_cast<char>(id >> 8);
    packet[1] = static_cast<char>(id & 0xFF);
    if (spec.tcp) {
      framed.assign(1, static_cast<char>(packet.size() >> 8));
      framed += static_cast<char>(packet.size() & 0xFF);
      framed += packet;
      return ::send(fd, framed.data(), framed.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(framed.size());
    }
    return ::send(fd, packet.data(), packet.size(), 0) == static_cast<ssize_t>(packet.size());
  };

  LoadResult r;
  double cpu0 = thread_cpu();
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + spec.limit;
  uint16_t next_id = 1;
  int in_flight = 0;
  int expected = -1;
  std::vector<char> buf(65536);
  size_t have = 0;  // TCP: bytes buffered
  while (r.received + static_cast<uint64_t>(in_flight) < spec.count || in_flight > 0) {
    while (in_flight < spec.window && r.sent < spec.count) {
      if (!send_one(next_id++)) break;
      ++r.sent;
      ++in_flight;
    }
    pollfd p{fd, POLLIN, 0};
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    int wait_ms = static_cast<int>(std::min<int64_t>(200, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()));
    if (::poll(&p, 1, wait_ms) <= 0) {
      // Lost on UDP: refill the window rather than wait for what will never come.
      if (!spec.tcp) {
        r.lost += static_cast<uint64_t>(in_flight);
        in_flight = 0;
      }
      continue;
    }
    if (spec.tcp) {
      ssize_t n = ::recv(fd, buf.data() + have, buf.size() - have, 0);
      if (n <= 0) break;
      have += static_cast<size_t>(n);
      size_t at = 0;
      while (have - at >= 2) {
        size_t len = static_cast<size_t>(static_cast<uint8_t>(buf[at]) << 8 | static_cast<uint8_t>(buf[at + 1]));
        if (have - at < 2 + len) break;
        int code = rcode_and_count(buf.data() + at + 2);
        if (expected < 0) expected = code;
        if (code != expected) ++r.wrong;
        ++r.received;
        --in_flight;
        at += 2 + len;
      }
      std::memmove(buf.data(), buf.data() + at, have - at);
      have -= at;
    } else {
      while (true) {
        ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 12) break;
        int code = rcode_and_count(buf.data());
        if (expected < 0) expected = code;
        if (code != expected) ++r.wrong;
        ++r.received;
        if (in_flight > 0) --in_flight;
      }
    }
  }
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.cpu_seconds = thread_cpu() - cpu0;
  ::close(fd);
  return r;
}

}  // namespace mk::bench::dns
