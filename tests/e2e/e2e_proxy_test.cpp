// The service proxy and NetworkPolicy enforcer (src/agent/proxy, src/agent/netpol) against the
// built server, programming a test network of namespaces: a "node" namespace routing between
// "pod" namespaces (10.42.<i>.2, servers on threads) and an outside host (192.168.77.2). Runs
// the components in-process, rules inside the node namespace. Needs root.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "agent/netpol/netpol.h"
#include "agent/proxy/proxier.h"
#include "agent/proxy/service_rules.h"
#include "client/https_client.h"
#include "e2e/harness.h"
#include "e2e/netns_lab.h"

using namespace mk;
using namespace mk::e2e;
using nlohmann::json;

namespace {

const client::Resource kServices{"", "v1", "services"};
const client::Resource kSlices{"discovery.k8s.io", "v1", "endpointslices"};
const client::Resource kPods{"", "v1", "pods"};
const client::Resource kPolicies{"networking.k8s.io", "v1", "networkpolicies"};

std::unique_ptr<client::ApiClient> admin_client(const Server& server) {
  client::HttpsClientConfig c;
  c.server = server.url();
  c.ca_pem = read_file(server.ca_file());
  c.cert_pem = read_file(server.client_cert_file());
  c.key_pem = read_file(server.client_key_file());
  auto made = client::make_https_client(c);
  REQUIRE(made);
  return std::move(*made);
}

// The node namespace with pod namespaces a, b, c (endpoints), k (a client pod) and x (a host
// outside the cluster).
struct Lab {
  std::string prefix = "mkpx" + std::to_string(getpid() % 100000);
  NetNs node{prefix + "n"}, a{prefix + "a"}, b{prefix + "b"}, c{prefix + "c"}, k{prefix + "k"}, x{prefix + "x"};

  Lab() {
    attach(a, "10.42.1");
    attach(b, "10.42.2");
    attach(c, "10.42.3");
    attach(k, "10.42.4");
    attach(x, "192.168.77");
    // Like any node, it has a default route: service IPs are never routed, they are DNATed or
    // refused before they leave.
    node.ip({"route", "add", "default", "via", "192.168.77.2"});
    std::string out;
    if (node.exec({"sysctl", "-qw", "net.ipv4.ip_forward=1"}, &out) != 0) throw std::runtime_error("sysctl: " + out);
  }

  void attach(const NetNs& pod, const std::string& net) {
    std::string dev = "v" + pod.name().substr(prefix.size());
    node.ip({"link", "add", dev, "type", "veth", "peer", "name", "eth0", "netns", pod.name()});
    node.ip({"addr", "add", net + ".1/24", "dev", dev});
    node.ip({"link", "set", dev, "up"});
    pod.ip({"addr", "add", net + ".2/24", "dev", "eth0"});
    pod.ip({"link", "set", "eth0", "up"});
    pod.ip({"route", "add", "default", "via", net + ".1"});
  }
};

json service(const std::string& name, const std::string& type, const std::string& port_name, int port,
             const std::string& protocol = "TCP") {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}}},
          {"spec", {{"type", type}, {"ports", {{{"name", port_name}, {"port", port}, {"protocol", protocol}}}}}}};
}

json slice(const std::string& service, const std::string& port_name, int port, const std::vector<std::string>& ips,
           const std::string& protocol = "TCP") {
  json eps = json::array();
  for (const auto& ip : ips) eps.push_back({{"addresses", {ip}}, {"conditions", {{"ready", true}}}});
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata", {{"name", service + "-1"}, {"labels", {{"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", port_name}, {"port", port}, {"protocol", protocol}}}},
          {"endpoints", eps}};
}

json create(client::ApiClient& api, const client::Resource& r, const json& obj) {
  auto made = api.create(r, "default", obj);
  INFO(obj.dump());
  REQUIRE(made);
  return *made;
}

void replace_endpoints(client::ApiClient& api, const json& s) {
  auto current = api.get(kSlices, "default", s["metadata"]["name"].get<std::string>());
  REQUIRE(current);
  json next = *current;
  next["endpoints"] = s["endpoints"];
  REQUIRE(api.update(kSlices, "default", next));
}

std::string nft_chain(const Lab& lab, const std::string& table, const std::string& chain) {
  std::string out;
  lab.node.exec({"nft", "-a", "list", "chain", "ip", table, chain}, &out);
  return out;
}

// A pod object as the kubelet would report it: bound to `node`, running with `ip`.
void running_pod(client::ApiClient& api, const std::string& name, const std::string& node, const std::string& ip,
                 const json& labels) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", labels}}},
              {"spec",
               {{"nodeName", node},
                {"containers", {{{"name", "c"}, {"image", "busybox"}, {"ports", {{{"name", "web"}, {"containerPort", 8080}}}}}}}}}};
  std::optional<json> made;
  // The namespace's default service account may still be on its way.
  REQUIRE(poll_until(
      [&] {
        auto r = api.create(kPods, "default", pod);
        if (r) made = *r;
        return static_cast<bool>(r);
      },
      15s));
  json status = *made;
  status["status"] = {{"phase", "Running"}, {"podIP", ip}, {"podIPs", {{{"ip", ip}}}}, {"hostIP", "192.168.77.1"}};
  auto updated = api.update(kPods, "default", status, "status");
  INFO((updated ? "" : updated.error().message));
  REQUIRE(updated);
}

}  // namespace

TEST_CASE("the service proxy and NetworkPolicy program a node's traffic") {
  if (::geteuid() != 0) {
    WARN("skipped: the proxy test creates network namespaces and nftables rules and needs root");
    return;
  }
  Server server;
  auto api = admin_client(server);
  Lab lab;
  TestServer web_a(lab.a, TestServer::Proto::tcp, 8080, "a");
  TestServer web_b(lab.b, TestServer::Proto::tcp, 8080, "b");
  TestServer web_c(lab.c, TestServer::Proto::tcp, 8080, "c");
  TestServer dns_a(lab.a, TestServer::Proto::udp, 5353, "a");
  TestServer dns_b(lab.b, TestServer::Proto::udp, 5353, "b");
  // The node's cluster DNS answerer, as the agent's DNS runs it: the cluster DNS address is local.
  lab.node.ip({"addr", "add", "10.43.0.10/32", "dev", "lo"});
  TestServer node_dns(lab.node, TestServer::Proto::udp, 53, "dns");

  json web = create(*api, kServices, service("web", "NodePort", "http", 80));
  json empty = create(*api, kServices, service("empty", "ClusterIP", "http", 80));
  json other = create(*api, kServices, service("other", "ClusterIP", "tcp", 81));
  json dns = create(*api, kServices, service("dns", "ClusterIP", "dns", 53, "UDP"));
  json web_slice = slice("web", "http", 8080, {"10.42.1.2", "10.42.2.2", "10.42.3.2"});
  create(*api, kSlices, web_slice);
  create(*api, kSlices, slice("other", "tcp", 8080, {"10.42.1.2"}));
  create(*api, kSlices, slice("dns", "dns", 5353, {"10.42.1.2"}, "UDP"));
  const std::string web_ip = web["spec"]["clusterIP"], empty_ip = empty["spec"]["clusterIP"];
  const std::string other_ip = other["spec"]["clusterIP"], dns_ip = dns["spec"]["clusterIP"];
  const int node_port = web["spec"]["ports"][0]["nodePort"];

  const std::string node_name = "px-" + std::to_string(getpid());
  agent::proxy::ProxyConfig pc;
  pc.node_name = node_name;
  pc.netns_fd = lab.node.fd();
  agent::proxy::ServiceProxy proxy(*api, pc);
  REQUIRE(proxy.start());
  agent::netpol::NetpolConfig nc;
  nc.node_name = node_name;
  nc.netns_fd = lab.node.fd();
  agent::netpol::PolicyEnforcer netpol(*api, nc);
  REQUIRE(netpol.start());
  REQUIRE(proxy.wait_synced(20s));
  REQUIRE(netpol.wait_synced(20s));
  CHECK(proxy.table() == "minikube-svc-" + node_name);

  {  // ClusterIP traffic reaches every endpoint; a NodePort answers from outside
    std::set<std::string> seen;
    for (int i = 0; i < 90 && seen.size() < 3; ++i) {
      Reply r = tcp_get(lab.k, web_ip, 80, 2s);
      INFO("connect " << web_ip << ":80: " << strerror(r.error));
      REQUIRE(r.ok);
      seen.insert(r.text);
    }
    CHECK(seen == std::set<std::string>{"a", "b", "c"});

    // Hairpin: a pod reaching itself through its service.
    Reply self = tcp_get(lab.a, other_ip, 81, 2s);
    INFO("hairpin " << other_ip << ":81: " << strerror(self.error));
    CHECK(self.text == "a");

    Reply outside = tcp_get(lab.x, "192.168.77.1", node_port, 2s);
    INFO("NodePort " << node_port << ": " << strerror(outside.error));
    REQUIRE(outside.ok);
    CHECK(std::set<std::string>{"a", "b", "c"}.count(outside.text) == 1);
  }

  {  // a LoadBalancer IP (the node's address, as ServiceLB publishes it) guarded by source ranges
    // Of another class, so the server's ServiceLB (which sees no Ready node here) leaves the
    // status this test writes alone.
    json lb_spec = service("lb", "LoadBalancer", "http", 82);
    lb_spec["spec"]["loadBalancerClass"] = "example.com/test";
    json lb = create(*api, kServices, lb_spec);
    create(*api, kSlices, slice("lb", "http", 8080, {"10.42.2.2"}));
    lb["spec"]["loadBalancerSourceRanges"] = {"10.42.0.0/16"};
    auto with_ranges = api->update(kServices, "default", lb);
    REQUIRE(with_ranges);
    json status = *with_ranges;
    status["status"]["loadBalancer"]["ingress"] = {{{"ip", "192.168.77.1"}}};
    REQUIRE(api->update(kServices, "default", status, "status"));
    CHECK(poll_until([&] { return tcp_get(lab.k, "192.168.77.1", 82, 1s).text == "b"; }, 10s));
    Reply outside = tcp_get(lab.x, "192.168.77.1", 82, 500ms);
    CHECK_FALSE(outside.ok);
  }

  {  // a service without endpoints is refused at once
    auto t0 = std::chrono::steady_clock::now();
    Reply r = tcp_get(lab.k, empty_ip, 80, 3s);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(r.ok);
    CHECK(r.error == ECONNREFUSED);
    CHECK(took < 1s);
  }

  {  // an endpoint change leaves other services' rules and connections alone
    TcpSession session(lab.k, other_ip, 81, 2s);
    REQUIRE(session.greeting() == "a");
    const std::string other_chain = "service-" + agent::proxy::name_hash("default/other/tcp/81") + "-default/other/tcp/81";
    std::string before = nft_chain(lab, proxy.table(), other_chain);
    REQUIRE(before.find("handle") != std::string::npos);

    json two = slice("web", "http", 8080, {"10.42.1.2", "10.42.2.2"});
    replace_endpoints(*api, two);
    // Poll until c no longer answers for the service.
    REQUIRE(poll_until(
        [&] {
          for (int i = 0; i < 20; ++i) {
            if (tcp_get(lab.k, web_ip, 80, 2s).text == "c") return false;
          }
          return true;
        },
        10s));
    CHECK(session.exchange("still there", 2s) == "a:still there");
    CHECK(nft_chain(lab, proxy.table(), other_chain) == before);
  }

  {  // UDP conntrack entries of a removed endpoint are deleted
    Reply first = udp_get(lab.k, dns_ip, 53, 2s, 40053);
    REQUIRE(first.ok);
    CHECK(first.text == "a");
    auto entries = [&] {
      std::string out;
      lab.node.exec({"conntrack", "-L", "-p", "udp", "--orig-dst", dns_ip}, &out);
      return out;
    };
    REQUIRE(contains(entries(), "src=10.42.1.2"));
    replace_endpoints(*api, slice("dns", "dns", 5353, {"10.42.2.2"}, "UDP"));
    CHECK(poll_until([&] { return !contains(entries(), "src=10.42.1.2"); }, 10s));
    // The same client flow now reaches the new endpoint.
    Reply again = udp_get(lab.k, dns_ip, 53, 2s, 40053);
    CHECK(again.text == "b");
  }

  {  // a NetworkPolicy denies, then allows, traffic to a pod of the node
    running_pod(*api, "pa", node_name, "10.42.1.2", {{"app", "a"}});
    running_pod(*api, "pk", "elsewhere", "10.42.4.2", {{"role", "client"}});
    REQUIRE(tcp_get(lab.k, "10.42.1.2", 8080, 2s).ok);

    create(*api, kPolicies,
           {{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "NetworkPolicy"},
            {"metadata", {{"name", "deny"}}},
            {"spec", {{"podSelector", {{"matchLabels", {{"app", "a"}}}}}, {"policyTypes", {"Ingress"}}}}});
    CHECK(poll_until([&] { return tcp_get(lab.k, "10.42.1.2", 8080, 300ms).error == ETIMEDOUT; }, 10s));

    create(*api, kPolicies,
           {{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "NetworkPolicy"},
            {"metadata", {{"name", "allow-clients"}}},
            {"spec",
             {{"podSelector", {{"matchLabels", {{"app", "a"}}}}},
              {"ingress", {{{"from", {{{"podSelector", {{"matchLabels", {{"role", "client"}}}}}}}}, {"ports", {{{"port", "web"}}}}}}}}}});
    CHECK(poll_until([&] { return tcp_get(lab.k, "10.42.1.2", 8080, 1s).ok; }, 10s));
    // Still denied: a source no policy names.
    CHECK_FALSE(tcp_get(lab.c, "10.42.1.2", 8080, 300ms).ok);
    // Through the service as well (rules see the endpoint after DNAT).
    Reply via_service = tcp_get(lab.k, other_ip, 81, 2s);
    CHECK(via_service.text == "a");

    // Egress: pod a may reach only pods labelled app=b, on their named port.
    running_pod(*api, "pb", "elsewhere", "10.42.2.2", {{"app", "b"}});
    REQUIRE(tcp_get(lab.a, "10.42.3.2", 8080, 2s).ok);
    create(*api, kPolicies,
           {{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "NetworkPolicy"},
            {"metadata", {{"name", "egress-to-b"}}},
            {"spec",
             {{"podSelector", {{"matchLabels", {{"app", "a"}}}}},
              {"policyTypes", {"Egress"}},
              {"egress", {{{"to", {{{"podSelector", {{"matchLabels", {{"app", "b"}}}}}}}}, {"ports", {{{"port", "web"}}}}}}}}}});
    CHECK(poll_until([&] { return tcp_get(lab.a, "10.42.3.2", 8080, 300ms).error == ETIMEDOUT; }, 10s));
    CHECK(tcp_get(lab.a, "10.42.2.2", 8080, 2s).text == "b");
    // The node's own cluster DNS answerer stays reachable.
    CHECK(udp_get(lab.a, "10.43.0.10", 53, 2s).text == "dns");
  }
  proxy.stop();
  netpol.stop();
}
