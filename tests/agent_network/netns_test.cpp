// The pod network library against the kernel, as root. The test process first moves into a
// network namespace of its own (standing in for a node), and each "pod" is a child process in
// a further namespace, so nothing is created in the host's namespace and everything disappears
// with the processes even if a check fails half-way. Two pods get addresses from the node's
// subnet, reach each other (ICMP through busybox ping, TCP through plain sockets), a hostPort
// reaches a pod from the node, addresses survive a new PodNetwork over the same directory, and
// detaching and removing leave no device, address file or table behind. A second case joins two
// such nodes with a test veth and checks VXLAN and host-gw between their pods.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

#include "agent/network/nat_table.h"
#include "agent/network/netlink.h"
#include "agent/network/pod_network.h"
#include "common/unique_fd.h"

using namespace mk::agent::network;
using mk::UniqueFd;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/mk-net-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A process sitting in a new network namespace (with lo up); killed on destruction, which
// frees the namespace and every device in it.
class NsProcess {
 public:
  NsProcess() {
    int ready[2];
    REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      char ok = ::unshare(CLONE_NEWNET) == 0 ? 1 : 0;
      if (ok) {
        auto nl = Netlink::open();
        ok = nl && nl->link("lo") && nl->set_up(nl->link("lo")->index) ? 1 : 0;
      }
      (void)!::write(ready[1], &ok, 1);
      while (true) ::pause();
    }
    ::close(ready[1]);
    char ok = 0;
    REQUIRE(::read(ready[0], &ok, 1) == 1);
    ::close(ready[0]);
    REQUIRE(ok == 1);
  }
  ~NsProcess() {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  std::string path() const { return "/proc/" + std::to_string(pid_) + "/ns/net"; }

 private:
  pid_t pid_ = -1;
};

// Runs `fn` on a thread that has entered the namespace at `path`.
template <typename F>
auto in_netns(const std::string& path, F fn) -> decltype(fn()) {
  std::optional<decltype(fn())> out;
  std::thread t([&] {
    UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (ns && ::setns(ns.get(), CLONE_NEWNET) == 0) out.emplace(fn());
  });
  t.join();
  REQUIRE(out);
  return std::move(*out);
}

UniqueFd tcp_listen(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd.get(), 4) != 0) return UniqueFd();
  return fd;
}

UniqueFd tcp_connect(const std::string& ip, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  timeval tv{3, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
  return fd;
}

// Connects from namespace `from` to ip:port where `server` listens, sends a line and returns
// what the accepted side read together with the peer address it saw.
std::string tcp_exchange(const std::string& from, int server, const std::string& ip, uint16_t port, std::string* peer = nullptr) {
  UniqueFd client = in_netns(from, [&] { return tcp_connect(ip, port); });
  if (!client) return "connect failed: " + std::string(std::strerror(errno));
  pollfd p{server, POLLIN, 0};
  if (::poll(&p, 1, 3000) != 1) return "no connection arrived";
  sockaddr_in who{};
  socklen_t len = sizeof who;
  UniqueFd conn(::accept4(server, reinterpret_cast<sockaddr*>(&who), &len, SOCK_CLOEXEC));
  if (peer) *peer = format_ipv4(ntohl(who.sin_addr.s_addr));
  const char msg[] = "hello pod\n";
  (void)!::write(client.get(), msg, sizeof msg - 1);
  char buf[64] = {};
  timeval tv{3, 0};
  ::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t n = ::read(conn.get(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, n) : "nothing read";
}

// busybox ping from inside a namespace; true when a reply came back.
bool ping_from(const std::string& ns_path, const std::string& ip) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int ns = ::open(ns_path.c_str(), O_RDONLY);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(127);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl("/bin/busybox", "busybox", "ping", "-c", "1", "-W", "3", ip.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool link_exists(const std::string& name) {
  auto nl = Netlink::open();
  return nl && nl->link(name).has_value();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string run_out(const std::string& cmd) {
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = ::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    ::pclose(f);
  }
  return out;
}

bool root() { return ::geteuid() == 0; }

// Moves the test process into a fresh network namespace (lo up), standing in for a node.
void enter_node_namespace() {
  REQUIRE(::unshare(CLONE_NEWNET) == 0);
  auto nl = Netlink::open();
  REQUIRE(nl);
  REQUIRE(nl->set_up(nl->link("lo")->index));
}

}  // namespace

TEST_CASE("pods on one node get addresses, reach each other and a hostPort, and leave nothing behind", "[root]") {
  if (!root()) {
    WARN("skipped: the pod network test creates network namespaces and devices and needs root");
    return;
  }
  enter_node_namespace();
  TempDir dir;
  NetworkConfig config;
  config.node_name = "net-test-" + std::to_string(::getpid());
  config.state_dir = dir.path + "/network";
  config.pod_cidr = "10.244.3.0/24";
  NodeNames names = node_names(config.node_name);

  NsProcess pod_a, pod_b;
  std::string ip_a, ip_b;
  {
    auto net = PodNetwork::start(config);
    INFO((net ? "" : net.error().message));
    REQUIRE(net);
    CHECK(read_text("/proc/sys/net/ipv4/ip_forward") == "1\n");
    CHECK(link_exists(names.bridge));
    CHECK((*net)->mtu() == 1450);  // no node IP: 1500 less the VXLAN overhead

    auto a = (*net)->attach("uid-a", pod_a.path(), {{"TCP", 18080, 8080, ""}});
    INFO((a ? "" : a.error().message));
    REQUIRE(a);
    auto b = (*net)->attach("uid-b", pod_b.path(), {});
    INFO((b ? "" : b.error().message));
    REQUIRE(b);
    ip_a = a->ip;
    ip_b = b->ip;
    CHECK(ip_a != ip_b);
    CHECK(a->gateway == "10.244.3.1");
    CHECK(a->prefix == 24);
    auto subnet = *parse_ipv4_net("10.244.3.0/24");
    CHECK(subnet.contains(*parse_ipv4(ip_a)));
    CHECK(subnet.contains(*parse_ipv4(ip_b)));
    CHECK(link_exists(veth_name(config.node_name, "uid-a")));

    // Inside the pod: eth0 with the address and the MTU, a default route via the gateway.
    std::string addr = in_netns(pod_a.path(), [] { return run_out("ip -o -4 addr show dev eth0 2>&1; ip route 2>&1; ip -o link show eth0 2>&1"); });
    INFO(addr);
    CHECK(addr.find(ip_a + "/24") != std::string::npos);
    CHECK(addr.find("default via 10.244.3.1 dev eth0") != std::string::npos);
    CHECK(addr.find("mtu 1450") != std::string::npos);

    CHECK(ping_from(pod_b.path(), ip_a));
    CHECK(ping_from(pod_a.path(), "10.244.3.1"));
    UniqueFd server = in_netns(pod_a.path(), [] { return tcp_listen(8080); });
    REQUIRE(server);
    std::string peer;
    CHECK(tcp_exchange(pod_b.path(), server.get(), ip_a, 8080, &peer) == "hello pod\n");
    CHECK(peer == ip_b);  // pod to pod keeps its source address
    // hostPort: the node's own address, port 18080, lands in pod A.
    CHECK(tcp_exchange("/proc/self/ns/net", server.get(), "10.244.3.1", 18080) == "hello pod\n");

    std::string table = run_out("nft list table ip " + names.table + " 2>&1");
    INFO(table);
    CHECK(table.find("masquerade") != std::string::npos);
    CHECK(table.find("dnat to " + ip_a + ":8080") != std::string::npos);
  }

  {
    // A new PodNetwork (the agent restarted) keeps both pods' addresses; the bridge is
    // re-created with its ports when it went missing meanwhile.
    auto nl = Netlink::open();
    REQUIRE(nl->delete_link(names.bridge));
    auto net = PodNetwork::start(config);
    INFO((net ? "" : net.error().message));
    REQUIRE(net);
    auto again = (*net)->attach("uid-a", pod_a.path(), {{"TCP", 18080, 8080, ""}});
    REQUIRE(again);
    CHECK(again->ip == ip_a);
    CHECK(ping_from(pod_a.path(), ip_b));  // pod B's veth is back on the new bridge
    NsProcess pod_c;
    auto c = (*net)->attach("uid-c", pod_c.path(), {});
    REQUIRE(c);
    CHECK(c->ip != ip_a);
    CHECK(c->ip != ip_b);

    // Pods unknown at start are forgotten; detaching removes the veth and frees the address.
    (*net)->forget_except({"uid-a", "uid-b"});
    CHECK_FALSE(link_exists(veth_name(config.node_name, "uid-c")));
    REQUIRE((*net)->detach("uid-a"));
    REQUIRE((*net)->detach("uid-b"));
    CHECK((*net)->detach("uid-b"));  // twice is fine
    CHECK_FALSE(link_exists(veth_name(config.node_name, "uid-a")));
    CHECK_FALSE(link_exists(veth_name(config.node_name, "uid-b")));
    size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(config.state_dir + "/ipam")) {
      if (e.path().filename() != "last_reserved") ++files;
    }
    CHECK(files == 0);
    CHECK(run_out("nft list table ip " + names.table + " 2>&1").find("dnat") == std::string::npos);
  }
  REQUIRE(PodNetwork::remove(config.node_name));
  CHECK_FALSE(link_exists(names.bridge));
  CHECK(run_out("nft list tables 2>&1").find(names.table) == std::string::npos);
  std::string links = run_out("ip -o link 2>&1");
  INFO(links);
  CHECK(links.find("mkv") == std::string::npos);
}
