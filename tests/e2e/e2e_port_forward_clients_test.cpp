// The kubelet's port-forward endpoint against the real clients, without a cluster and without
// root: a small fake API server on 127.0.0.1 answers kubectl's discovery and pod lookups and
// hands /pods/web/portforward to the endpoint, for a host-network "pod" whose port is an HTTP
// responder in this test. Covers kubectl's WebSocket-tunnelled SPDY, its direct SPDY fallback,
// concurrent connections, a refused port, and the Python client's WebSocket channels.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/kubelet/streaming/port_forward_endpoint.h"
#include "e2e/harness.h"
#include "http/server.h"
#include "runtime/pod/pod_spec.h"

using namespace mk::e2e;
namespace streaming = mk::agent::kubelet::streaming;

namespace {

const char kPage[] = "hello from the pod's port";

// Answers every connection with one HTTP/1.0 response once the request head is in, then closes.
class PageServer {
 public:
  PageServer() {
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
  ~PageServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port = 0;

 private:
  void run() {
    std::vector<std::thread> conns;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      conns.emplace_back([this, c] {
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos && !stop_) {
          pollfd p{c, POLLIN, 0};
          if (::poll(&p, 1, 50) <= 0) continue;
          ssize_t n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          head.append(buf, static_cast<size_t>(n));
        }
        std::string body = std::string(kPage) + "\n";
        std::string response = "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        [[maybe_unused]] auto w = ::write(c, response.data(), response.size());
        ::close(c);
      });
    }
    for (auto& t : conns) t.join();
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Counts what a connection sends until the client half-closes, then answers "got <n>".
class SinkServer {
 public:
  SinkServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
    REQUIRE(::listen(fd_, 4) == 0);
    thread_ = std::thread([this] {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20000) <= 0) return;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      // A slow reader at first, so that the bytes pile up in front of it.
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      size_t total = 0;
      char buf[65536];
      for (;;) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 20000) <= 0) break;
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        total += static_cast<size_t>(n);
      }
      std::string reply = "got " + std::to_string(total);
      [[maybe_unused]] auto w = ::write(c, reply.data(), reply.size());
      ::close(c);
    });
  }
  ~SinkServer() {
    thread_.join();
    ::close(fd_);
  }
  int port = 0;

 private:
  int fd_ = -1;
  std::thread thread_;
};

// Just enough of an API server for `kubectl port-forward pod/web`.
class FakeApi {
 public:
  explicit FakeApi(streaming::PortForwardPod pod) : pod_(std::move(pod)) {
    mk::http::ServerOptions options;
    options.plain_http = true;
    auto server = mk::http::Server::start(options, [this](mk::http::Request&& req, auto w) { handle(req, w); });
    REQUIRE(server);
    server_ = std::move(*server);
  }
  ~FakeApi() { server_->shutdown(std::chrono::milliseconds(1000)); }
  int port() const { return server_->port(); }
  std::atomic<int> upgrades{0};

 private:
  void handle(const mk::http::Request& req, std::shared_ptr<mk::http::ResponseWriter> w) {
    auto json = [&](const std::string& body) { w->respond(200, {{"Content-Type", "application/json"}}, body); };
    std::string path = req.path;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path == "/version") {
      return json(R"({"major":"1","minor":"32","gitVersion":"v1.32.4","platform":"linux/amd64"})");
    }
    if (path == "/api") {
      return json(R"({"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]})");
    }
    if (path == "/apis") return json(R"({"kind":"APIGroupList","apiVersion":"v1","groups":[]})");
    if (path == "/api/v1") {
      return json(R"({"kind":"APIResourceList","groupVersion":"v1","resources":[)"
                  R"({"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},)"
                  R"({"name":"pods/portforward","singularName":"","namespaced":true,"kind":"PodPortForwardOptions","verbs":["create","get"]}]})");
    }
    if (path == "/api/v1/namespaces/default/pods/web") {
      return json(R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"default","uid":"uid-1"},)"
                  R"("spec":{"containers":[{"name":"web","image":"busybox"}]},"status":{"phase":"Running"}})");
    }
    if (path == "/api/v1/namespaces/default/pods/web/portforward") {
      ++upgrades;
      return streaming::serve_port_forward(req, w, pod_);
    }
    w->respond(404, {{"Content-Type", "application/json"}},
               R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404})");
  }
  streaming::PortForwardPod pod_;
  std::unique_ptr<mk::http::Server> server_;
};

int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string read_to_eof(int fd, std::chrono::milliseconds timeout = 15s) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string http_get(int port) {
  int fd = connect_local(port);
  if (fd < 0) return "";
  std::string response;
  if (send_all(fd, "GET / HTTP/1.0\r\nHost: pod\r\n\r\n")) response = read_to_eof(fd);
  ::close(fd);
  return response;
}

// The "pod": a host-network pod directory with its pod.json, as the runtime writes it.
struct PodDir {
  TempDir dir;
  streaming::PortForwardPod pod;
  PodDir() {
    mk::runtime::pod::PodSpec spec;
    spec.uid = "uid-1";
    spec.name = "web";
    spec.host_network = true;
    dir.write("pod.json", mk::runtime::pod::to_json(spec).dump());
    pod = {"uid-1", "default", "web", dir.path()};
  }
};

struct Kubectl {
  TempDir dir;
  std::string kubeconfig;
  explicit Kubectl(int api_port) {
    kubeconfig = dir.write("kubeconfig", "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: "
                                         "http://127.0.0.1:" +
                                             std::to_string(api_port) +
                                             "\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
                                             "current-context: c\nusers:\n- name: u\n  user: {}\n");
  }
  std::unique_ptr<BackgroundCommand> forward(const std::string& mapping, const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv = {kubectl_binary(), "--kubeconfig", kubeconfig, "--cache-dir", dir.subdir("cache"),
                                     "port-forward", "pod/web", mapping, "--address", "127.0.0.1"};
    std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir.subdir("home"), "LANG=C.UTF-8"};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    auto cmd = std::make_unique<BackgroundCommand>("kubectl port-forward " + mapping, argv, env, dir.subdir("pf"));
    bool ready = poll_until([&] { return contains(cmd->out(), "Forwarding from 127.0.0.1:"); }, 20s);
    INFO("kubectl out: " << cmd->out() << "\nkubectl err: " << cmd->err());
    REQUIRE(ready);
    return cmd;
  }
};

}  // namespace

TEST_CASE("kubectl port-forward through the endpoint: tunnelled SPDY, concurrent connections, a refused port") {
  PageServer page;
  PodDir pod;
  FakeApi api(pod.pod);
  Kubectl kubectl(api.port());

  int local = free_port();
  auto forward = kubectl.forward(std::to_string(local) + ":" + std::to_string(page.port));
  std::string first = http_get(local);
  INFO("kubectl err: " << forward->err());
  CHECK(contains(first, "200 OK"));
  CHECK(contains(first, kPage));

  // One connection held open with half a request while two others complete.
  int held = connect_local(local);
  REQUIRE(held >= 0);
  REQUIRE(send_all(held, "GET / HTTP/1.0\r\n"));
  std::string a, b;
  std::thread ta([&] { a = http_get(local); });
  std::thread tb([&] { b = http_get(local); });
  ta.join();
  tb.join();
  CHECK(contains(a, kPage));
  CHECK(contains(b, kPage));
  REQUIRE(send_all(held, "Host: pod\r\n\r\n"));
  CHECK(contains(read_to_eof(held), kPage));
  ::close(held);
  CHECK(api.upgrades.load() == 1);  // one session carried them all

  // A port nobody listens on: the local connection is closed and kubectl prints the error
  // from the error stream. (kubectl 1.32 then ends that forward itself: "lost connection to
  // pod".) The first forward keeps working.
  int dead_local = free_port();
  int dead_port = free_port();
  auto dead = kubectl.forward(std::to_string(dead_local) + ":" + std::to_string(dead_port));
  CHECK(http_get(dead_local).empty());
  CHECK(poll_until([&] { return contains(dead->err(), "connection refused"); }, 15s));
  INFO("dead kubectl err: " << dead->err());
  CHECK(contains(dead->err(), "error forwarding port " + std::to_string(dead_port) + " to pod default/web, uid uid-1"));
  CHECK(contains(http_get(local), kPage));
  dead->stop();
  forward->stop();
}

TEST_CASE("kubectl port-forward through the endpoint: direct SPDY when WebSockets are off") {
  PageServer page;
  PodDir pod;
  FakeApi api(pod.pod);
  Kubectl kubectl(api.port());
  int local = free_port();
  auto forward = kubectl.forward(std::to_string(local) + ":" + std::to_string(page.port),
                                 {"KUBECTL_PORT_FORWARD_WEBSOCKETS=false"});
  std::string a, b;
  std::thread ta([&] { a = http_get(local); });
  std::thread tb([&] { b = http_get(local); });
  ta.join();
  tb.join();
  INFO("kubectl err: " << forward->err());
  CHECK(contains(a, kPage));
  CHECK(contains(b, kPage));
  forward->stop();
}

TEST_CASE("kubectl port-forward through the endpoint: a large upload, then the client's half-close") {
  // 64 MiB from the client is more than the kubelet buffers (4 MiB): it must stop reading
  // kubectl's stream and resume. The client's FIN must reach the pod as a half-close, and the
  // pod's answer must still come back.
  SinkServer sink;
  PodDir pod;
  FakeApi api(pod.pod);
  Kubectl kubectl(api.port());
  int local = free_port();
  auto forward = kubectl.forward(std::to_string(local) + ":" + std::to_string(sink.port));
  int fd = connect_local(local);
  REQUIRE(fd >= 0);
  const size_t total = 64u << 20;
  std::string chunk(1 << 20, 'u');
  for (size_t sent = 0; sent < total; sent += chunk.size()) REQUIRE(send_all(fd, chunk));
  ::shutdown(fd, SHUT_WR);
  std::string reply = read_to_eof(fd, 30s);
  ::close(fd);
  INFO("kubectl err: " << forward->err());
  CHECK(reply == "got " + std::to_string(total));
  forward->stop();
}

TEST_CASE("the Python client's portforward through the endpoint") {
  PageServer page;
  PodDir pod;
  FakeApi api(pod.pod);
  Kubectl kubectl(api.port());
  int dead_port = free_port();
  const char* src = std::getenv("MINIKUBE_SOURCE_DIR");
  REQUIRE(src);
  TempDir tmp;
  std::string out = tmp.file("out.json"), err = tmp.file("err.txt");
  Process p({"/usr/bin/python3", std::string(src) + "/tests/e2e/portforward_client.py", kubectl.kubeconfig, "default",
             "web", std::to_string(page.port), std::to_string(dead_port)},
            {"PATH=/usr/bin:/bin", "TMPDIR=" + tmp.path(), "HOME=" + tmp.path(), "PYTHONDONTWRITEBYTECODE=1"},
            "/dev/null", out, err);
  REQUIRE(p.wait_for_exit(60s));
  INFO("python out: " << read_file(out) << "\npython err: " << read_file(err));
  REQUIRE(p.exit_code() == 0);
  std::string result = read_file(out);
  CHECK(contains(result, "200 OK"));
  CHECK(contains(result, kPage));
  CHECK(contains(result, "error forwarding port " + std::to_string(dead_port) + " to pod default/web"));
  CHECK(contains(result, "connection refused"));
}

TEST_CASE("port-forward requests the endpoint cannot serve get a Status") {
  PodDir pod;
  FakeApi api(pod.pod);
  auto ask = [&](const std::string& head) {
    int fd = connect_local(api.port());
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, head + "Host: 127.0.0.1\r\n\r\n"));
    // One response: its head, and as much body as Content-Length says (none after a 101).
    std::string response;
    auto complete = [&] {
      size_t end = response.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      size_t at = response.find("Content-Length: ");
      size_t length = at == std::string::npos || at > end ? 0 : std::stoul(response.substr(at + 16));
      return response.size() >= end + 4 + length;
    };
    auto deadline = std::chrono::steady_clock::now() + 10s;
    char buf[4096];
    while (!complete() && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      response.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return response;
  };
  const std::string url = "/api/v1/namespaces/default/pods/web/portforward";

  std::string plain = ask("GET " + url + " HTTP/1.1\r\n");
  CHECK(contains(plain, "HTTP/1.1 400"));
  CHECK(contains(plain, "Upgrade request required"));

  std::string ws = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  std::string no_ports = ask("GET " + url + " HTTP/1.1\r\n" + ws + "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n");
  CHECK(contains(no_ports, "HTTP/1.1 400"));
  CHECK(contains(no_ports, "query parameter \\\"ports\\\" is required"));

  std::string bad_port = ask("GET " + url + "?ports=80,http HTTP/1.1\r\n" + ws +
                             "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n");
  CHECK(contains(bad_port, "HTTP/1.1 400"));
  CHECK(contains(bad_port, "as a port"));

  std::string other_protocol = ask("GET " + url + "?ports=80 HTTP/1.1\r\n" + ws +
                                   "Sec-WebSocket-Protocol: v4.base64.channel.k8s.io\r\n");
  CHECK(contains(other_protocol, "HTTP/1.1 400"));
  CHECK(contains(other_protocol, "unsupported websocket protocols"));

  std::string spdy_version = ask("POST " + url + " HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                                 "X-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n");
  CHECK(contains(spdy_version, "HTTP/1.1 403"));
  CHECK(contains(spdy_version, "unable to negotiate protocol"));

  std::string spdy = ask("POST " + url + " HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                         "X-Stream-Protocol-Version: portforward.k8s.io\r\nContent-Length: 0\r\n");
  CHECK(contains(spdy, "HTTP/1.1 101"));
  CHECK(contains(spdy, "X-Stream-Protocol-Version: portforward.k8s.io"));
}
