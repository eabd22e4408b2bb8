// The probe scheduler against sockets on 127.0.0.1 (tcpSocket and httpGet from this process's
// network namespace): initial results, thresholds, startup gating, the hold after a liveness
// failure, and upstream's failure messages.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "agent/kubelet/prober.h"
#include "runtime/shim/container_files.h"

using namespace mk::agent::kubelet;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A listening socket on 127.0.0.1 that answers every connection with `response` (or nothing).
class Listener {
 public:
  explicit Listener(std::string response = "") : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        if (!response_.empty()) {
          char buf[1024];
          (void)!::read(c, buf, sizeof buf);
          (void)!::write(c, response_.data(), response_.size());
        }
        ::close(c);
      }
    });
  }
  ~Listener() { close(); }
  void close() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string response_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// A port nothing listens on (bound a moment ago, then closed).
int closed_port() {
  Listener l;
  int port = l.port();
  l.close();
  return port;
}

json pod_with(const json& container) {
  return {{"metadata", {{"name", "p"}, {"namespace", "default"}, {"uid", "u1"}}},
          {"spec", {{"containers", json::array({container})}}}};
}

template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

mk::runtime::pod::RuntimeConfig config(const std::string& dir) {
  mk::runtime::pod::RuntimeConfig c;
  c.data_dir = dir;
  return c;
}

struct Fixture {
  std::string dir = std::filesystem::temp_directory_path() / ("prober-test-" + std::to_string(::getpid()));
  mk::runtime::pod::Runtime runtime{config(dir)};
  std::atomic<int> notified{0};
  std::mutex mu;
  std::vector<std::string> unhealthy;
  ProbeManager probes{runtime, [this](const std::string&) { ++notified; },
                      [this](const json&, const std::string& c, const std::string& m) {
                        std::lock_guard<std::mutex> lock(mu);
                        unhealthy.push_back(c + ": " + m);
                      }};
  ~Fixture() {
    probes.stop();
    std::filesystem::remove_all(dir);
  }
  bool saw(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& u : unhealthy)
      if (u.find(text) != std::string::npos) return true;
    return false;
  }
};

}  // namespace

TEST_CASE("readiness starts false and follows the probe; nothing is probed while not running") {
  Fixture f;
  Listener open;
  json c = {{"name", "c"}, {"readinessProbe", {{"tcpSocket", {{"port", open.port()}}}, {"periodSeconds", 1}}}};
  f.probes.update(pod_with(c), {}, "");
  CHECK_FALSE(f.probes.state("u1", "c").ready);
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(f.probes.state("u1", "c").ready);  // not running: not probed

  f.probes.update(pod_with(c), {{"c", mk::runtime::shim::now_ns()}}, "");
  CHECK(eventually([&] { return f.probes.state("u1", "c").ready; }, 3s));
  CHECK(eventually([&] { return f.notified > 0; }, 1s));  // told right after the result changed
  open.close();
  CHECK(eventually([&] { return !f.probes.state("u1", "c").ready; }, 5s));  // failureThreshold 3, period 1
  CHECK(f.saw("c: Readiness probe failed: dial tcp 127.0.0.1:"));
  CHECK(f.saw("connect: connection refused"));
  CHECK_FALSE(f.probes.state("u1", "c").failed);
}

TEST_CASE("liveness fails after failureThreshold failures and holds until the next run") {
  Fixture f;
  int port = closed_port();
  json c = {{"name", "c"},
            {"livenessProbe", {{"tcpSocket", {{"port", port}}}, {"periodSeconds", 1}, {"failureThreshold", 2}}}};
  f.probes.update(pod_with(c), {{"c", mk::runtime::shim::now_ns()}}, "");
  CHECK_FALSE(f.probes.state("u1", "c").failed);  // liveness starts as success
  CHECK(eventually([&] { return f.probes.state("u1", "c").failed.has_value(); }, 4s));
  CHECK(*f.probes.state("u1", "c").failed == ProbeKind::liveness);
  // A new run starts from success again.
  f.probes.update(pod_with(c), {{"c", mk::runtime::shim::now_ns() + 1}}, "");
  CHECK_FALSE(f.probes.state("u1", "c").failed);
  f.probes.remove("u1");
}

TEST_CASE("a startup probe gates readiness; httpGet failures name the status code") {
  Fixture f;
  Listener ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  Listener error("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
  json c = {{"name", "c"},
            {"startupProbe", {{"httpGet", {{"path", "/healthz"}, {"port", "web"}}}, {"periodSeconds", 1}, {"failureThreshold", 30}}},
            {"readinessProbe", {{"tcpSocket", {{"port", ok.port()}}}, {"periodSeconds", 1}}},
            {"ports", json::array({{{"name", "web"}, {"containerPort", error.port()}}})}};
  f.probes.update(pod_with(c), {{"c", mk::runtime::shim::now_ns()}}, "");
  CHECK(eventually([&] { return f.saw("c: Startup probe failed: HTTP probe failed with statuscode: 500"); }, 3s));
  ProbeState s = f.probes.state("u1", "c");
  CHECK_FALSE(s.started);
  CHECK_FALSE(s.ready);  // readiness waits for startup
  CHECK_FALSE(s.failed);

  c["ports"][0]["containerPort"] = ok.port();  // a new spec: new workers
  f.probes.update(pod_with(c), {{"c", mk::runtime::shim::now_ns()}}, "");
  CHECK(eventually([&] { return f.probes.state("u1", "c").started; }, 3s));
  CHECK(eventually([&] { return f.probes.state("u1", "c").ready; }, 3s));
}
