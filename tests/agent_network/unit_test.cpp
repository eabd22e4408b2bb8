#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <set>

#include "agent/network/ipam.h"
#include "agent/network/ipv4.h"
#include "agent/network/nat_table.h"
#include "agent/network/names.h"
#include "agent/network/pod_network.h"

using namespace mk::agent::network;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/mk-net-unit-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("IPv4 prefixes parse, refuse host bits and know their gateway") {
  auto n = parse_ipv4_net("10.42.3.0/24");
  REQUIRE(n);
  CHECK(n->text() == "10.42.3.0/24");
  CHECK(format_ipv4(n->gateway()) == "10.42.3.1");
  CHECK(format_ipv4(n->broadcast()) == "10.42.3.255");
  CHECK(n->contains(*parse_ipv4("10.42.3.77")));
  CHECK_FALSE(n->contains(*parse_ipv4("10.42.4.1")));
  CHECK_FALSE(parse_ipv4_net("10.42.3.1/24"));
  CHECK_FALSE(parse_ipv4_net("10.42.3.0/33"));
  CHECK_FALSE(parse_ipv4_net("10.42.3.0"));
  CHECK_FALSE(parse_ipv4_net("nope/8"));
  CHECK(parse_ipv4_net("0.0.0.0/0"));
}

TEST_CASE("device names fit in 15 characters and differ between nodes") {
  NodeNames a = node_names("node-a"), b = node_names("node-b");
  for (const auto& name : {a.bridge, a.vxlan, veth_name("node-a", "0d5ec3f2-8a3c-4d38-9c1b-2f3e4d5c6b7a")}) {
    CHECK(name.size() <= 15);
  }
  CHECK(a.bridge != b.bridge);
  CHECK(a.vxlan != b.vxlan);
  CHECK(a.table == "minikube-net-node-a");
  CHECK(node_names("node-a").bridge == a.bridge);  // stable
  CHECK(veth_name("node-a", "u1") != veth_name("node-b", "u1"));
  CHECK(veth_name("node-a", "u1") != veth_name("node-a", "u2"));
  CHECK(node_names(std::string(253, 'n')).table.size() <= 255);
}

TEST_CASE("IPAM hands out each address once, keeps allocations on disk and moves on after a release") {
  TempDir dir;
  auto subnet = *parse_ipv4_net("10.42.7.0/29");  // usable for pods: .2 .. .6
  Ipam ipam(dir.path + "/ipam", subnet);
  auto a = ipam.allocate("uid-a", {{"TCP", 8080, 80, ""}});
  REQUIRE(a);
  CHECK(a->ip == "10.42.7.2");
  auto again = ipam.allocate("uid-a", {});
  REQUIRE(again);
  CHECK(again->ip == "10.42.7.2");  // the pod's own address, not a second one
  auto b = ipam.allocate("uid-b", {});
  REQUIRE(b);
  CHECK(b->ip == "10.42.7.3");

  // A new allocator over the same directory (an agent restart) sees the same pods.
  Ipam reopened(dir.path + "/ipam", subnet);
  auto held = reopened.find("uid-a");
  REQUIRE(held);
  CHECK(held->ip == "10.42.7.2");
  REQUIRE(held->host_ports.size() == 1);
  CHECK(held->host_ports[0] == HostPort{"TCP", 8080, 80, ""});
  CHECK(reopened.list().size() == 2);

  // After a release the next pod gets the next address, not the freed one.
  REQUIRE(reopened.release("uid-a"));
  auto c = reopened.allocate("uid-c", {});
  REQUIRE(c);
  CHECK(c->ip == "10.42.7.4");
  CHECK(reopened.allocate("uid-d", {})->ip == "10.42.7.5");
  CHECK(reopened.allocate("uid-e", {})->ip == "10.42.7.6");
  // Wrapping around reuses .2, which is free; then the subnet is full.
  CHECK(reopened.allocate("uid-f", {})->ip == "10.42.7.2");
  auto full = reopened.allocate("uid-g", {});
  REQUIRE_FALSE(full);
  CHECK(full.error().message == "no free address left in pod subnet 10.42.7.0/29");
  std::set<std::string> ips;
  for (const auto& x : reopened.list()) ips.insert(x.ip);
  CHECK(ips.size() == 5);
  CHECK(reopened.release("not-there"));

  // Files of another subnet (the node's podCIDR changed) are not this allocator's.
  Ipam other(dir.path + "/ipam", *parse_ipv4_net("10.42.8.0/24"));
  CHECK(other.list().empty());
}

TEST_CASE("the NAT table masquerades pod traffic leaving the cluster and DNATs host ports") {
  NatRules rules{"minikube-net-n1", "10.42.1.0/24", {"10.42.0.0/24", "10.42.1.0/24"},
                 {{"10.42.1.5", "uid-x", {{"TCP", 8080, 80, ""}, {"UDP", 5353, 53, "192.0.2.10"}}}}};
  std::string text = render_nat_table(rules);
  CHECK(text.find("add table ip minikube-net-n1\ndelete table ip minikube-net-n1\n") == 0);
  CHECK(text.find("ip saddr 10.42.1.0/24 ip daddr { 10.42.0.0/24, 10.42.1.0/24 } return") != std::string::npos);
  CHECK(text.find("ip saddr 10.42.1.0/24 masquerade fully-random") != std::string::npos);
  CHECK(text.find("tcp dport 8080 dnat to 10.42.1.5:80 comment \"uid-x\"") != std::string::npos);
  CHECK(text.find("ip daddr 192.0.2.10 udp dport 5353 dnat to 10.42.1.5:53") != std::string::npos);
}

TEST_CASE("backends are named as flannel names them") {
  CHECK(*parse_backend("vxlan") == Backend::vxlan);
  CHECK(*parse_backend("host-gw") == Backend::host_gw);
  CHECK(parse_backend("wireguard").error().message == "flannel backend \"wireguard\" is not supported (vxlan or host-gw)");
}
