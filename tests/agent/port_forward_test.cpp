// The kubelet's port-forward handlers (SPDY for kubectl, WebSocket channels for the Python
// client) against a TCP echo server on 127.0.0.1, dialed as a host-network pod would be.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "agent/kubelet/streaming/pod_dialer.h"
#include "agent/kubelet/streaming/port_forward_spdy.h"
#include "agent/kubelet/streaming/port_forward_ws.h"
#include "spdy_test_client.h"

using namespace spdy_test;
using namespace mk::agent::kubelet::streaming;
using namespace std::chrono_literals;

namespace {

// Echoes what it reads; closes a connection after echoing "bye" or when the client half-closes.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port = 0;
  std::atomic<int> accepted{0};

 private:
  void run() {
    std::vector<std::thread> conns;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++accepted;
      conns.emplace_back([c, this] {
        char buf[65536];
        std::string seen;
        for (;;) {
          pollfd p{c, POLLIN, 0};
          if (::poll(&p, 1, 50) == 0) {
            if (stop_) break;
            continue;
          }
          ssize_t n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          std::size_t off = 0;
          while (off < static_cast<std::size_t>(n)) {
            ssize_t w = ::write(c, buf + off, static_cast<std::size_t>(n) - off);
            if (w <= 0) break;
            off += static_cast<std::size_t>(w);
          }
          seen.append(buf, static_cast<std::size_t>(n));
          if (seen.find("bye") != std::string::npos) break;
        }
        ::close(c);
      });
    }
    for (auto& t : conns) t.join();
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A loopback port that nobody listens on (bound, never listening: connecting is refused).
struct DeadPort {
  DeadPort() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
  }
  ~DeadPort() { ::close(fd); }
  int fd = -1;
  std::uint16_t port = 0;
};

PortDialer host_dialer() {
  return [](std::uint16_t port) { return dial_pod_port("", port); };
}

// What the server wrote per stream, from the recorded bytes.
struct StreamView {
  std::string data;
  bool fin = false;
  bool replied = false;
  bool reset = false;
};

std::map<std::uint32_t, StreamView> streams_of(FakeTransport& t) {
  std::string bytes;
  {
    std::lock_guard lock(t.mu);
    bytes = t.out;
  }
  std::map<std::uint32_t, StreamView> out;
  for (const auto& f : parse_all(bytes)) {
    if (!f.control) {
      out[f.id].data += f.body;
      if (f.flags & 1) out[f.id].fin = true;
    } else if (f.type == 2) {
      out[f.id].replied = true;
    } else if (f.type == 3) {
      out[f.id].reset = true;
    }
  }
  return out;
}

template <typename Pred>
bool wait_until(FakeTransport& t, Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::unique_lock lock(t.mu);
  for (;;) {
    lock.unlock();
    bool ok = pred();
    lock.lock();
    if (ok) return true;
    if (std::chrono::steady_clock::now() >= deadline) {
      lock.unlock();
      return pred();
    }
    // Woken by writes; the short bound covers conditions outside the transport.
    t.changed.wait_for(lock, 20ms);
  }
}

std::vector<std::pair<std::string, std::string>> pf_headers(const char* type, std::uint16_t port, int request) {
  return {{"streamtype", type}, {"port", std::to_string(port)}, {"requestid", std::to_string(request)}};
}

// kubectl's opening of one forwarded connection: the error stream (closed for writing at
// once), then the data stream.
std::string open_pair(Client& c, std::uint32_t error_id, std::uint16_t port, int request) {
  // Sequenced: the client's header compressor must see the blocks in wire order.
  std::string wire = c.syn_stream(error_id, pf_headers("error", port, request));
  wire += Client::data(error_id, "", true);
  wire += c.syn_stream(error_id + 2, pf_headers("data", port, request));
  return wire;
}

}  // namespace

TEST_CASE("SPDY port-forward pipes a data stream to the port and closes both streams") {
  EchoServer echo;
  auto t = std::make_shared<FakeTransport>();
  auto pf = SpdyPortForward::create(t, host_dialer(), "default/web", "uid-1");
  Client c;
  REQUIRE(pf->feed(open_pair(c, 1, echo.port, 0)));
  REQUIRE(pf->feed(Client::data(3, "hello ") + Client::data(3, "pod", true)));

  REQUIRE(wait_until(*t, [&] {
    auto s = streams_of(*t);
    return s[3].fin && s[1].fin;
  }));
  auto s = streams_of(*t);
  REQUIRE(s[1].replied);
  REQUIRE(s[3].replied);
  REQUIRE(s[3].data == "hello pod");
  REQUIRE(s[1].data.empty());  // no error
  REQUIRE(pf->active_connections() == 0);
  pf->close();
}

TEST_CASE("SPDY port-forward reports a refused port on the error stream and stays up") {
  EchoServer echo;
  DeadPort dead;
  auto t = std::make_shared<FakeTransport>();
  auto pf = SpdyPortForward::create(t, host_dialer(), "default/web", "uid-1");
  Client c;
  REQUIRE(pf->feed(open_pair(c, 1, dead.port, 0)));
  REQUIRE(wait_until(*t, [&] {
    auto s = streams_of(*t);
    return s[1].fin && s[3].fin;
  }));
  auto s = streams_of(*t);
  REQUIRE_THAT(s[1].data, Catch::Contains("error forwarding port " + std::to_string(dead.port) +
                                          " to pod default/web, uid uid-1"));
  REQUIRE_THAT(s[1].data, Catch::Contains("connection refused"));
  REQUIRE(s[3].data.empty());

  // The same session still forwards.
  REQUIRE(pf->feed(open_pair(c, 5, echo.port, 1)));
  REQUIRE(pf->feed(Client::data(7, "again bye")));
  REQUIRE(wait_until(*t, [&] { return streams_of(*t)[7].fin; }));
  REQUIRE(streams_of(*t)[7].data == "again bye");
  REQUIRE(streams_of(*t)[5].data.empty());
  REQUIRE_FALSE(t->closed);
  pf->close();
}

TEST_CASE("SPDY port-forward runs many connections at once") {
  EchoServer echo;
  auto t = std::make_shared<FakeTransport>();
  auto pf = SpdyPortForward::create(t, host_dialer(), "default/web", "uid-1");
  Client c;
  const int n = 8;
  for (int i = 0; i < n; ++i) REQUIRE(pf->feed(open_pair(c, 1 + 4 * i, echo.port, i)));
  REQUIRE(wait_until(*t, [&] { return echo.accepted.load() == n; }));
  REQUIRE(pf->active_connections() == n);
  // Interleaved writes, one large, each connection's bytes in its own stream.
  std::string big(300 * 1024, 'z');
  for (int round = 0; round < 3; ++round) {
    for (int i = n - 1; i >= 0; --i) {
      std::string chunk = "c" + std::to_string(i) + "r" + std::to_string(round) + ";";
      REQUIRE(pf->feed(Client::data(3 + 4 * i, chunk)));
    }
  }
  for (std::size_t off = 0; off < big.size(); off += 16384) {
    REQUIRE(pf->feed(Client::data(3, big.substr(off, 16384))));
  }
  for (int i = 0; i < n; ++i) REQUIRE(pf->feed(Client::data(3 + 4 * i, "", true)));
  REQUIRE(wait_until(*t, [&] {
    auto s = streams_of(*t);
    for (int i = 0; i < n; ++i) {
      if (!s[3 + 4 * i].fin) return false;
    }
    return true;
  }));
  auto s = streams_of(*t);
  for (int i = 0; i < n; ++i) {
    std::string expect;
    for (int round = 0; round < 3; ++round) expect += "c" + std::to_string(i) + "r" + std::to_string(round) + ";";
    if (i == 0) expect += big;
    REQUIRE(s[3 + 4 * i].data == expect);
  }
  pf->close();
}

TEST_CASE("SPDY port-forward refuses streams without a valid port or type, and resets on request") {
  EchoServer echo;
  auto t = std::make_shared<FakeTransport>();
  auto pf = SpdyPortForward::create(t, host_dialer(), "default/web", "uid-1");
  Client c;
  REQUIRE(pf->feed(c.syn_stream(1, {{"streamtype", "data"}, {"requestid", "0"}})));
  REQUIRE(pf->feed(c.syn_stream(3, pf_headers("data", 0, 1))));
  REQUIRE(pf->feed(c.syn_stream(5, {{"streamtype", "sideways"}, {"port", "80"}})));
  REQUIRE(pf->feed(c.syn_stream(7, {{"streamtype", "data"}, {"port", "99999"}})));
  auto s = streams_of(*t);
  for (std::uint32_t id : {1u, 3u, 5u, 7u}) {
    REQUIRE(s[id].reset);
    REQUIRE_FALSE(s[id].replied);
  }
  // A client reset of the data stream ends the connection at once.
  REQUIRE(pf->feed(open_pair(c, 9, echo.port, 2)));
  REQUIRE(wait_until(*t, [&] { return echo.accepted.load() == 1; }));
  REQUIRE(pf->feed(Client::rst(11, 5)));
  REQUIRE(wait_until(*t, [&] { return streams_of(*t)[9].fin; }));
  REQUIRE(pf->active_connections() == 0);
  pf->close();
}

TEST_CASE("an unpaired stream times out with a message on its error stream") {
  auto t = std::make_shared<FakeTransport>();
  auto pf = SpdyPortForward::create(t, host_dialer(), "default/web", "uid-1", 0ms);
  Client c;
  REQUIRE(pf->feed(c.syn_stream(1, pf_headers("error", 80, 0))));
  // The next stream's arrival sweeps the expired pair.
  REQUIRE(pf->feed(c.syn_stream(3, pf_headers("error", 80, 1))));
  auto s = streams_of(*t);
  REQUIRE(s[1].data == "timed out waiting for streams");
  REQUIRE(s[1].fin);
  pf->close();
}

TEST_CASE("SPDY port-forward ends a session on garbage, closing the transport") {
  auto t = std::make_shared<FakeTransport>();
  auto pf = SpdyPortForward::create(t, host_dialer(), "default/web", "uid-1");
  REQUIRE_FALSE(pf->feed(std::string(16, '\xff')));
  REQUIRE(t->closed);
}

TEST_CASE("port lists from the query") {
  REQUIRE(*parse_port_list("80") == std::vector<std::uint16_t>{80});
  REQUIRE(*parse_port_list("80,443, 8080") == std::vector<std::uint16_t>{80, 443, 8080});
  REQUIRE_FALSE(parse_port_list(""));
  REQUIRE_FALSE(parse_port_list("0"));
  REQUIRE_FALSE(parse_port_list("65536"));
  REQUIRE_FALSE(parse_port_list("80,,81"));
  REQUIRE_FALSE(parse_port_list("http"));
}

TEST_CASE("WebSocket port-forward: port prefixes, data both ways, errors on the odd channel") {
  EchoServer echo;
  DeadPort dead;
  auto t = std::make_shared<FakeTransport>();
  auto pf = WebSocketPortForward::start(t, {echo.port, dead.port}, host_dialer(), "default/web", "uid-1");

  auto hello = [](int channel, std::uint16_t port) {
    return std::string{static_cast<char>(channel), static_cast<char>(port & 0xff), static_cast<char>(port >> 8)};
  };
  REQUIRE(wait_until(*t, [&] {
    std::lock_guard lock(t->mu);
    for (const auto& m : t->messages) {
      if (!m.empty() && m[0] == 3 && m.size() > 3) return true;
    }
    return false;
  }));
  std::vector<std::string> messages;
  {
    std::lock_guard lock(t->mu);
    messages = t->messages;
  }
  REQUIRE(messages.size() >= 5);
  REQUIRE(messages[0] == hello(0, echo.port));
  REQUIRE(messages[1] == hello(1, echo.port));
  REQUIRE(messages[2] == hello(2, dead.port));
  REQUIRE(messages[3] == hello(3, dead.port));
  REQUIRE_THAT(messages[4], Catch::StartsWith(std::string(1, '\3') + "error forwarding port " +
                                              std::to_string(dead.port)));
  REQUIRE_THAT(messages[4], Catch::Contains("connection refused"));

  pf->on_message(std::string(1, '\0') + "hi there, bye");
  pf->on_message(std::string(1, '\5') + "unknown channel, ignored");
  REQUIRE(wait_until(*t, [&] {
    std::lock_guard lock(t->mu);
    return t->closed;
  }));
  std::string echoed;
  {
    std::lock_guard lock(t->mu);
    for (const auto& m : t->messages) {
      if (m.size() > 0 && m[0] == 0 && m != hello(0, echo.port)) echoed += m.substr(1);
    }
  }
  REQUIRE(echoed == "hi there, bye");
  pf->close();
}

TEST_CASE("the dialer connects to the loopback of another network namespace", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: entering a network namespace needs root");
    return;
  }
  // The host's listener on some port says "host"; a child in a new namespace listens on the
  // same port on its own loopback and says "inside".
  EchoServer host;
  int ready[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) _exit(1);
    int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) _exit(2);
    int l = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(host.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(l, 1) != 0) _exit(3);
    [[maybe_unused]] auto n = ::write(ready[1], "r", 1);
    int c = ::accept(l, nullptr, nullptr);
    [[maybe_unused]] auto m = ::write(c, "inside", 6);
    ::close(c);
    _exit(0);
  }
  ::close(ready[1]);
  char r = 0;
  REQUIRE(::read(ready[0], &r, 1) == 1);
  ::close(ready[0]);

  auto fd = dial_pod_port("/proc/" + std::to_string(child) + "/ns/net", host.port);
  REQUIRE(fd);
  char buf[16] = {};
  REQUIRE(::read(fd->get(), buf, sizeof buf) == 6);
  REQUIRE(std::string(buf) == "inside");
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(host.accepted.load() == 0);

  auto missing = dial_pod_port("/nonexistent/ns/net", 80);
  REQUIRE_FALSE(missing);
  REQUIRE_THAT(missing.error().message, Catch::Contains("/nonexistent/ns/net"));
}
