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

namespace {

// Two "nodes" (namespaces) joined by a veth pair on 192.168.77.0/24, each with a PodNetwork and
// one pod, the routes to each other set as the agent's Node watcher would.
struct TwoNodes {
  NsProcess node1, node2, pod1, pod2;
  TempDir dir;
  std::unique_ptr<PodNetwork> net1, net2;
  std::string ip1, ip2;

  explicit TwoNodes(Backend backend) {
    auto nl1 = Netlink::open_in(node1.path());
    REQUIRE(nl1);
    UniqueFd ns2(::open(node2.path().c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(nl1->create_veth("up1", "up2", ns2.get(), 1500));
    auto nl2 = Netlink::open_in(node2.path());
    REQUIRE(nl2);
    REQUIRE(nl1->add_address(nl1->link("up1")->index, *parse_ipv4("192.168.77.1"), 24));
    REQUIRE(nl1->set_up(nl1->link("up1")->index));
    REQUIRE(nl2->add_address(nl2->link("up2")->index, *parse_ipv4("192.168.77.2"), 24));
    REQUIRE(nl2->set_up(nl2->link("up2")->index));
    net1 = start(node1, "node-1", "10.244.1.0/24", "192.168.77.1", backend);
    net2 = start(node2, "node-2", "10.244.2.0/24", "192.168.77.2", backend);
    ip1 = attach(node1, *net1, "uid-1", pod1);
    ip2 = attach(node2, *net2, "uid-2", pod2);
  }

  std::unique_ptr<PodNetwork> start(const NsProcess& node, const std::string& name, const std::string& cidr,
                                    const std::string& ip, Backend backend) {
    NetworkConfig config;
    config.node_name = name;
    config.state_dir = dir.path + "/" + name;
    config.pod_cidr = cidr;
    config.node_ip = ip;
    config.backend = backend;
    auto net = in_netns(node.path(), [&] { return PodNetwork::start(config); });
    INFO((net ? "" : net.error().message));
    REQUIRE(net);
    return std::move(*net);
  }

  static std::string attach(const NsProcess& node, PodNetwork& net, const std::string& uid, const NsProcess& pod) {
    auto a = in_netns(node.path(), [&] { return net.attach(uid, pod.path(), {}); });
    INFO((a ? "" : a.error().message));
    REQUIRE(a);
    return a->ip;
  }

  // What node1's and node2's watchers would pass after seeing both Nodes.
  void connect() {
    auto mac1 = in_netns(node1.path(), [&] { return net1->ensure_vtep(); });
    auto mac2 = in_netns(node2.path(), [&] { return net2->ensure_vtep(); });
    REQUIRE(mac1);
    REQUIRE(mac2);
    std::vector<RemoteNode> nodes = {{"node-1", "10.244.1.0/24", "192.168.77.1", *mac1},
                                     {"node-2", "10.244.2.0/24", "192.168.77.2", *mac2}};
    auto s1 = in_netns(node1.path(), [&] { return net1->set_remotes(nodes); });
    auto s2 = in_netns(node2.path(), [&] { return net2->set_remotes(nodes); });
    INFO((s1 ? "" : s1.error().message) << (s2 ? "" : s2.error().message));
    REQUIRE(s1);
    REQUIRE(s2);
  }
};

}  // namespace

TEST_CASE("pods on two nodes reach each other over VXLAN with flannel's entries, and the routes go with the node", "[root]") {
  if (!root()) {
    WARN("skipped: the pod network test creates network namespaces and devices and needs root");
    return;
  }
  TwoNodes lab(Backend::vxlan);
  CHECK((*lab.net1).mtu() == 1450);
  lab.connect();
  std::string links = in_netns(lab.node1.path(), [&] {
    return run_out("ip -d link show " + lab.net1->names().vxlan + " 2>&1; ip -o addr show dev " + lab.net1->names().vxlan +
                   " 2>&1; ip route 2>&1; ip neigh show dev " +
                   lab.net1->names().vxlan + " 2>&1; bridge fdb show dev " + lab.net1->names().vxlan + " 2>&1");
  });
  INFO(links);
  CHECK(links.find("vxlan id 1 ") != std::string::npos);
  CHECK(links.find("dstport 8472") != std::string::npos);
  CHECK(links.find("nolearning") != std::string::npos);
  CHECK(links.find("10.244.2.0/24 via 10.244.2.0 dev " + lab.net1->names().vxlan + " proto 77 onlink") != std::string::npos);
  CHECK(links.find("10.244.2.0 lladdr ") != std::string::npos);
  CHECK(links.find("dst 192.168.77.2 self permanent") != std::string::npos);
  CHECK(links.find("10.244.1.0/32") != std::string::npos);  // the subnet's network address on the VXLAN device

  CHECK(ping_from(lab.pod1.path(), lab.ip2));
  UniqueFd server = in_netns(lab.pod2.path(), [] { return tcp_listen(8080); });
  REQUIRE(server);
  std::string peer;
  CHECK(tcp_exchange(lab.pod1.path(), server.get(), lab.ip2, 8080, &peer) == "hello pod\n");
  CHECK(peer == lab.ip1);  // across nodes the pod's own address, not masqueraded

  // Node 2 leaves: node 1 drops its route, ARP and FDB entries.
  auto s = in_netns(lab.node1.path(), [&] { return lab.net1->set_remotes({}); });
  REQUIRE(s);
  std::string after = in_netns(lab.node1.path(), [&] {
    return run_out("ip route 2>&1; bridge fdb show dev " + lab.net1->names().vxlan + " 2>&1");
  });
  INFO(after);
  CHECK(after.find("10.244.2.0/24") == std::string::npos);
  CHECK(after.find("192.168.77.2") == std::string::npos);
  CHECK_FALSE(ping_from(lab.pod1.path(), lab.ip2));
}

TEST_CASE("pods on two nodes reach each other with host-gw routes", "[root]") {
  if (!root()) {
    WARN("skipped: the pod network test creates network namespaces and devices and needs root");
    return;
  }
  TwoNodes lab(Backend::host_gw);
  CHECK((*lab.net1).mtu() == 1500);
  lab.connect();
  std::string routes = in_netns(lab.node1.path(), [&] { return run_out("ip route 2>&1; ip -o link 2>&1"); });
  INFO(routes);
  CHECK(routes.find("10.244.2.0/24 via 192.168.77.2 dev up1 proto 77") != std::string::npos);
  CHECK(routes.find("mkvx-") == std::string::npos);  // no VXLAN device for host-gw
  CHECK(ping_from(lab.pod2.path(), lab.ip1));
  UniqueFd server = in_netns(lab.pod1.path(), [] { return tcp_listen(8080); });
  REQUIRE(server);
  std::string peer;
  CHECK(tcp_exchange(lab.pod2.path(), server.get(), lab.ip1, 8080, &peer) == "hello pod\n");
  CHECK(peer == lab.ip2);
}
