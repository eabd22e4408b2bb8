// Port-forward end to end, as root: a server, an agent (its kubelet serving on a free port),
// a busybox httpd pod, and the real clients: `kubectl port-forward` (SPDY/3.1, tunnelled in a
// WebSocket, and the direct SPDY upgrade kubectl falls back to) and the Python client's
// kubernetes.stream.portforward (WebSocket channels). The pod's port is reached on its own
// loopback inside its network namespace, so no pod network is needed.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

#include "e2e/harness.h"
#include "runtime/pod/runtime.h"
#include "runtime_image/test_support.h"

using namespace mk::e2e;

namespace {

const char kImage[] = "busybox.local/pf:1";
const char kPage[] = "hello through port-forward";

std::string server_dir(const Server& server) {
  return std::filesystem::path(server.kubeconfig()).parent_path().string();
}

std::string join_token(const Server& server) {
  std::string t = read_file(server_dir(server) + "/data/server/token");
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

// An agent with its own data dir; destroyed, it stops the agent and removes whatever pod is
// left through the runtime, then the agent's (empty) cgroups.
struct Node {
  std::string data_dir;
  std::unique_ptr<Process> agent;
  ~Node() {
    agent.reset();
    mk::runtime::pod::RuntimeConfig config;
    config.data_dir = data_dir;
    mk::runtime::pod::Runtime runtime(config);
    if (auto pods = runtime.list()) {
      for (const auto& p : *pods) (void)runtime.remove_pod(p.uid);
    }
    std::error_code ec;
    for (const auto& h : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
      // The agent's cgroup root (the default) once empty: rmdir refuses a busy cgroup.
      std::string root = h.path().string() + "/minikube";
      for (const char* sub : {"/kubepods/besteffort", "/kubepods/burstable", "/kubepods", ""}) {
        ::rmdir((root + sub).c_str());
      }
    }
  }
};

// Connects to 127.0.0.1:port; -1 on failure.
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

// Reads until the peer closes or `timeout` passes.
std::string read_to_eof(int fd, std::chrono::milliseconds timeout = 20s) {
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

// One HTTP/1.0 GET through a forwarded local port: the whole response ("" on failure).
std::string http_get(int port) {
  int fd = connect_local(port);
  if (fd < 0) return "";
  std::string response;
  if (send_all(fd, "GET / HTTP/1.0\r\nHost: pod\r\n\r\n")) response = read_to_eof(fd);
  ::close(fd);
  return response;
}

std::string field(Server& server, const std::string& pod, const std::string& jsonpath) {
  RunResult r = server.kubectl({"get", "pod", pod, "-o", "jsonpath=" + jsonpath});
  return r.ok() ? r.out : "";
}

// `kubectl port-forward` in the background until it says it is forwarding.
std::unique_ptr<BackgroundCommand> start_forward(Server& server, const std::string& mapping,
                                                 const std::vector<std::string>& extra_env = {}) {
  std::vector<std::string> argv = {kubectl_binary(), "--kubeconfig", server.kubeconfig(), "--cache-dir",
                                   server.new_dir("kcache"), "port-forward", "pod/web", mapping,
                                   "--address", "127.0.0.1"};
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + server.new_dir("home"),
                                  "LANG=C.UTF-8"};
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  auto cmd = std::make_unique<BackgroundCommand>("kubectl port-forward " + mapping, argv, env,
                                                 server.new_dir("pf"));
  bool ready = poll_until([&] { return contains(cmd->out(), "Forwarding from 127.0.0.1:"); }, 30s);
  INFO("kubectl out: " << cmd->out() << "\nkubectl err: " << cmd->err());
  REQUIRE(ready);
  return cmd;
}

}  // namespace

TEST_CASE("port-forward to a pod with kubectl and the Python client", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the port-forward test runs a pod and needs root (namespaces, mounts, cgroups)");
    return;
  }
  Server server;
  Node node;
  node.data_dir = server.new_dir("agent-data");
  std::string images = node.data_dir + "/agent/images";
  std::filesystem::create_directories(images);
  {
    std::string layout = server.new_dir("layout");
    mk::runtime::image::testing::build_busybox_layout(layout, kImage, false);
    std::string out;
    REQUIRE(mk::runtime::image::testing::run({"tar", "-C", layout, "-cf", images + "/busybox.tar", "."}, &out) == 0);
  }
  std::string agent_log = node.data_dir + "/../agent.log";
  node.agent = std::make_unique<Process>(
      std::vector<std::string>{std::getenv("MINIKUBE_BIN"), "agent", "--join", server.url(), "--token",
                               join_token(server), "--node-name", "e2e-pf", "--data-dir", node.data_dir,
                               // The API server reaches the kubelet on loopback.
                               "--node-ip", "127.0.0.1", "--kubelet-port", std::to_string(free_port()),
                               // No nftables tables, DNS address or port 53 in the host's namespace from a test.
                               "--disable-kube-proxy", "--disable-network-policy", "--disable-cluster-dns", "--flannel-backend", "none"},
      std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null", node.data_dir + "/../agent.out",
      agent_log);
  INFO("agent log: " << read_file(agent_log));
  REQUIRE(poll_until([&] { return contains(read_file(agent_log), "joined"); }, 30s));

  // busybox httpd serving one page on 8080 inside the pod.
  std::string script = "busybox mkdir -p /www && echo '" + std::string(kPage) +
                       "' > /www/index.html && exec busybox httpd -f -p 8080 -h /www";
  RunResult run = server.kubectl({"run", "web", "--image", kImage, "--image-pull-policy", "Never", "--command", "--",
                                  "sh", "-c", script});
  INFO(run);
  REQUIRE(run.ok());
  REQUIRE(poll_until([&] { return field(server, "web", "{.status.phase}") == "Running"; }, 60s));

  {  // kubectl: GETs, concurrent connections, and a port nobody listens on
    int local = free_port();
    auto forward = start_forward(server, std::to_string(local) + ":8080");
    // httpd may still be starting: the first GET is retried until the page comes back.
    std::string first;
    REQUIRE(poll_until(
        [&] {
          first = http_get(local);
          return contains(first, kPage);
        },
        20s));
    CHECK(contains(first, " 200 OK"));

    // Two connections at once: one held open with half a request while the other completes.
    int held = connect_local(local);
    REQUIRE(held >= 0);
    REQUIRE(send_all(held, "GET / HTTP/1.0\r\n"));
    std::string second;
    std::thread other([&] { second = http_get(local); });
    other.join();
    CHECK(contains(second, kPage));
    REQUIRE(send_all(held, "Host: pod\r\n\r\n"));
    CHECK(contains(read_to_eof(held), kPage));
    ::close(held);
    CHECK(contains(forward->out(), "Handling connection for " + std::to_string(local)));

    // A second forward to a port nobody listens on: the connection is closed and kubectl
    // prints the kubelet's error. kubectl 1.32 then ends that forward itself ("lost connection
    // to pod"), which is upstream behaviour; the first forward is unaffected.
    int dead_local = free_port();
    auto dead = start_forward(server, std::to_string(dead_local) + ":9999");
    CHECK(http_get(dead_local).empty());
    CHECK(poll_until([&] { return contains(dead->err(), "connection refused"); }, 20s));
    INFO("kubectl err: " << dead->err());
    CHECK(contains(dead->err(), "error forwarding port 9999 to pod default/web"));
    CHECK(contains(http_get(local), kPage));
    dead->stop();
    forward->stop();
  }

  {  // kubectl falling back to SPDY directly on the connection
    int local = free_port();
    auto forward = start_forward(server, std::to_string(local) + ":8080", {"KUBECTL_PORT_FORWARD_WEBSOCKETS=false"});
    std::string page;
    REQUIRE(poll_until(
        [&] {
          page = http_get(local);
          return contains(page, kPage);
        },
        20s));
    std::string a, b;
    std::thread ta([&] { a = http_get(local); });
    std::thread tb([&] { b = http_get(local); });
    ta.join();
    tb.join();
    CHECK(contains(a, kPage));
    CHECK(contains(b, kPage));
    forward->stop();
  }

  {  // the Python client's portforward
    std::string tmp = server.new_dir("pytmp");
    std::string src = std::getenv("MINIKUBE_SOURCE_DIR") ? std::getenv("MINIKUBE_SOURCE_DIR") : ".";
    std::string out = server.new_dir("pyout") + "/out.json";
    std::string err = out + ".err";
    RunResult py;
    // httpd may still be starting: retried until the page comes back.
    bool ok = poll_until(
        [&] {
          Process p({"/usr/bin/python3", src + "/tests/e2e/portforward_client.py", server.kubeconfig(), "default",
                     "web", "8080", "9999"},
                    {"PATH=/usr/bin:/bin", "TMPDIR=" + tmp, "HOME=" + tmp, "PYTHONDONTWRITEBYTECODE=1"}, "/dev/null",
                    out, err);
          if (!p.wait_for_exit(60s)) return false;
          return p.exit_code() == 0 && contains(read_file(out), kPage);
        },
        30s);
    INFO("python out: " << read_file(out) << "\npython err: " << read_file(err));
    REQUIRE(ok);
    std::string result = read_file(out);
    CHECK(contains(result, " 200 OK"));
    CHECK(contains(result, "error forwarding port 9999 to pod default/web"));
    CHECK(contains(result, "connection refused"));
  }

  RunResult del = server.kubectl({"delete", "pod", "web", "--grace-period", "1", "--wait=true"}, 60s);
  INFO(del);
  CHECK(del.ok());
  CHECK(node.agent->stop());
}
