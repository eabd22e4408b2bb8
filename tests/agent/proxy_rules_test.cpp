// The service proxy's and NetworkPolicy's rules as nft text, and the incremental table engine
// that programs them: pure functions, no kernel.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/netpol/policy_rules.h"
#include "agent/nftables/table_sync.h"
#include "agent/proxy/service_rules.h"

using namespace mk::agent;
using nlohmann::json;

namespace {

json service(const std::string& type = "ClusterIP") {
  return {{"metadata", {{"namespace", "default"}, {"name", "web"}}},
          {"spec",
           {{"type", type},
            {"clusterIP", "10.43.0.20"},
            {"ports", json::array({{{"name", "http"}, {"protocol", "TCP"}, {"port", 80}, {"nodePort", 30080}}})}}}};
}

json slice(std::vector<std::pair<std::string, json>> endpoints, const std::string& protocol = "TCP") {
  json eps = json::array();
  for (auto& [ip, conditions] : endpoints) eps.push_back({{"addresses", {ip}}, {"conditions", conditions}, {"nodeName", "n1"}});
  return {{"metadata", {{"namespace", "default"}, {"name", "web-1"}, {"labels", {{"kubernetes.io/service-name", "web"}}}}},
          {"addressType", "IPv4"},
          {"ports", json::array({{{"name", "http"}, {"protocol", protocol}, {"port", 8080}}})},
          {"endpoints", eps}};
}

const json kReady = {{"ready", true}};

proxy::ProxySettings settings() {
  proxy::ProxySettings s;
  s.node_name = "n1";
  return s;
}

std::string joined(const std::vector<std::string>& rules) {
  std::string out;
  for (const auto& r : rules) out += r + "\n";
  return out;
}

std::string chain_with_prefix(const nftables::Fragment& f, const std::string& prefix) {
  for (const auto& [name, rules] : f.chains)
    if (name.rfind(prefix, 0) == 0) return name;
  return "";
}

}  // namespace

TEST_CASE("a ClusterIP service spreads over its ready endpoints and masquerades off-pod sources") {
  json s = slice({{"10.42.1.2", kReady}, {"10.42.2.2", kReady}, {"10.42.3.2", {{"ready", false}}}});
  auto rules = proxy::build_service_rules(service(), {&s}, settings());
  const auto& f = rules.fragment;
  std::string svc = chain_with_prefix(f, "service-");
  REQUIRE(!svc.empty());
  CHECK(f.elements.at("service-ips").at("10.43.0.20 . tcp . 80") == "goto " + svc);
  std::string body = joined(f.chains.at(svc));
  CHECK(body.find("ip daddr 10.43.0.20 tcp dport 80 ip saddr != 10.42.0.0/16 jump mark-for-masquerade") != std::string::npos);
  // A cascade of draws, each rule DNATing to one ready endpoint; the not-ready one is left out.
  CHECK(body.find("numgen random mod 2 == 0 meta l4proto tcp dnat to 10.42.1.2:8080\n") != std::string::npos);
  CHECK(body.find("\nmeta l4proto tcp dnat to 10.42.2.2:8080\n") != std::string::npos);
  CHECK(body.find("10.42.3.2") == std::string::npos);
  CHECK(f.chains.size() == 1);
  // Hairpin traffic is masqueraded through the endpoint pairs set.
  CHECK(f.elements.at("hairpin").count("10.42.1.2 . 10.42.1.2") == 1);
  CHECK(f.elements.at("hairpin").count("10.42.3.2 . 10.42.3.2") == 0);
  CHECK(f.elements.count("service-nodeports") == 0);
}

TEST_CASE("without ready endpoints, serving terminating ones are used; without any the port is rejected") {
  json term = slice({{"10.42.1.2", {{"ready", false}, {"serving", true}, {"terminating", true}}}});
  auto fallback = proxy::build_service_rules(service(), {&term}, settings());
  CHECK(fallback.fragment.elements.at("service-ips").count("10.43.0.20 . tcp . 80") == 1);

  auto none = proxy::build_service_rules(service("NodePort"), {}, settings());
  CHECK(none.fragment.elements.at("no-endpoint-services").at("10.43.0.20 . tcp . 80") == "goto reject-chain");
  CHECK(none.fragment.elements.at("no-endpoint-nodeports").at("tcp . 30080") == "goto reject-chain");
  CHECK(none.fragment.chains.empty());
}

TEST_CASE("NodePort, externalIPs and LoadBalancer ingress go through a masquerading external chain") {
  json svc = service("LoadBalancer");
  svc["spec"]["externalIPs"] = {"192.0.2.7"};
  svc["status"]["loadBalancer"]["ingress"] = {{{"ip", "192.0.2.9"}}, {{"hostname", "lb.example"}}};
  json s = slice({{"10.42.1.2", kReady}});
  auto f = proxy::build_service_rules(svc, {&s}, settings()).fragment;
  std::string ext = chain_with_prefix(f, "external-");
  REQUIRE(!ext.empty());
  CHECK(f.elements.at("service-nodeports").at("tcp . 30080") == "goto " + ext);
  CHECK(f.elements.at("service-ips").at("192.0.2.7 . tcp . 80") == "goto " + ext);
  CHECK(f.elements.at("service-ips").at("192.0.2.9 . tcp . 80") == "goto " + ext);
  CHECK(f.chains.at(ext).front() == "jump mark-for-masquerade");
  CHECK(f.elements.count("firewall-ips") == 0);

  // loadBalancerSourceRanges guard the LoadBalancer IPs only.
  svc["spec"]["loadBalancerSourceRanges"] = {"10.0.0.0/8", "2001:db8::/32"};
  auto guarded = proxy::build_service_rules(svc, {&s}, settings()).fragment;
  std::string fw = chain_with_prefix(guarded, "firewall-");
  REQUIRE(!fw.empty());
  CHECK(guarded.chains.at(fw) == std::vector<std::string>{"ip saddr != { 10.0.0.0/8 } drop"});
  CHECK(guarded.elements.at("firewall-ips").size() == 1);
  CHECK(guarded.elements.at("firewall-ips").at("192.0.2.9 . tcp . 80") == "goto " + fw);
  svc["spec"].erase("loadBalancerSourceRanges");

  svc["spec"]["externalTrafficPolicy"] = "Local";
  json remote = slice({{"10.42.1.2", kReady}});
  remote["endpoints"][0]["nodeName"] = "n2";
  auto local = proxy::build_service_rules(svc, {&remote}, settings()).fragment;
  CHECK(local.chains.at(chain_with_prefix(local, "external-")).back() == "drop");
}

TEST_CASE("ClientIP affinity keeps a timed set per endpoint") {
  json svc = service();
  svc["spec"]["sessionAffinity"] = "ClientIP";
  svc["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] = 60;
  json s = slice({{"10.42.1.2", kReady}});
  auto f = proxy::build_service_rules(svc, {&s}, settings()).fragment;
  REQUIRE(f.sets.size() == 1);
  CHECK(f.sets.begin()->second.find("timeout 60s") != std::string::npos);
  std::string ep = chain_with_prefix(f, "endpoint-");
  REQUIRE(!ep.empty());
  CHECK(joined(f.chains.at(ep)) == "update @" + f.sets.begin()->first + " { ip saddr }\nmeta l4proto tcp dnat to 10.42.1.2:8080\n");
  CHECK(joined(f.chains.at(chain_with_prefix(f, "service-"))).find("ip saddr @" + f.sets.begin()->first) != std::string::npos);
}

TEST_CASE("the cluster DNS address, headless and ExternalName services get no rules") {
  json dns = service();
  dns["spec"]["clusterIP"] = "10.43.0.10";
  CHECK(proxy::build_service_rules(dns, {}, settings()).fragment.empty());
  json headless = service();
  headless["spec"]["clusterIP"] = "None";
  CHECK(proxy::build_service_rules(headless, {}, settings()).fragment.empty());
  json bad = service();
  bad["spec"]["clusterIP"] = "10.43.0.1; flush ruleset";
  CHECK(proxy::build_service_rules(bad, {}, settings()).fragment.empty());
}

TEST_CASE("UDP entries of endpoints that went away are stale") {
  json svc = service();
  svc["spec"]["ports"][0]["protocol"] = "UDP";
  json two = slice({{"10.42.1.2", kReady}, {"10.42.2.2", kReady}}, "UDP");
  json one = slice({{"10.42.2.2", kReady}}, "UDP");
  auto before = proxy::build_service_rules(svc, {&two}, settings());
  auto after = proxy::build_service_rules(svc, {&one}, settings());
  auto stale = proxy::stale_udp_flows(before, after);
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].dst_ip == "10.43.0.20");
  CHECK(stale[0].dst_port == 80);
  CHECK(stale[0].endpoint_ip == "10.42.1.2");
  // Newly served: entries made while the port was rejected go.
  auto none = proxy::build_service_rules(svc, {}, settings());
  auto served = proxy::stale_udp_flows(none, after);
  REQUIRE(served.size() == 1);
  CHECK(served[0].endpoint_ip.empty());
}

TEST_CASE("the table engine changes only what differs and deletes unused chains later") {
  nftables::TableSync t("ip", "tbl", "  chain base { }");
  nftables::Fragment a, b;
  a.chains["ca"] = {"accept"};
  a.elements["m"]["1.2.3.4"] = "goto ca";
  b.chains["cb"] = {"drop"};
  b.elements["m"]["1.2.3.5"] = "goto cb";
  auto first = t.plan({{"a", a}, {"b", b}}, true);
  CHECK(first.script.rfind("add table ip tbl\ndelete table ip tbl\ntable ip tbl {", 0) == 0);
  auto now = nftables::TableSync::Clock::now();
  t.commit(first, now);

  CHECK(t.plan({{"a", a}}).empty());
  nftables::Fragment a2 = a;
  a2.chains["ca"] = {"counter", "accept"};
  auto changed = t.plan({{"a", a2}});
  CHECK(changed.script == "flush chain ip tbl ca\nadd rule ip tbl ca counter\nadd rule ip tbl ca accept\n");
  t.commit(changed, now);

  auto removed = t.plan({{"b", {}}});
  CHECK(removed.script == "delete element ip tbl m { 1.2.3.5 }\nflush chain ip tbl cb\n");
  t.commit(removed, now);
  CHECK(t.deletions_script(now, std::chrono::milliseconds(1000)).empty());
  auto later = now + std::chrono::milliseconds(1000);
  CHECK(t.deletions_script(later, std::chrono::milliseconds(1000)) == "delete chain ip tbl cb\n");

  // A key held by one owner is not taken by another.
  nftables::Fragment c;
  c.elements["m"]["1.2.3.4"] = "drop";
  auto clash = t.plan({{"c", c}});
  CHECK(clash.conflicts.size() == 1);
  CHECK(clash.script.empty());

  // The same element with the same value is shared, and goes with its last holder.
  nftables::Fragment d, e;
  d.elements["s"]["10.0.0.1"] = "";
  e.elements["s"]["10.0.0.1"] = "";
  auto both = t.plan({{"d", d}, {"e", e}});
  CHECK(both.conflicts.empty());
  CHECK(both.script == "add element ip tbl s { 10.0.0.1 }\n");
  t.commit(both, now);
  auto one_left = t.plan({{"d", {}}});
  CHECK(one_left.script.empty());
  t.commit(one_left, now);
  auto none_left = t.plan({{"e", {}}});
  CHECK(none_left.script == "delete element ip tbl s { 10.0.0.1 }\n");
}

TEST_CASE("a NetworkPolicy isolates the pods it selects and allows its peers and ports") {
  netpol::PolicyInputs in;
  auto pod = [](const std::string& name, const std::string& ip, const std::string& node, json labels) {
    return json{{"metadata", {{"namespace", "default"}, {"name", name}, {"labels", labels}}},
                {"spec", {{"nodeName", node}, {"containers", {{{"ports", {{{"name", "web"}, {"containerPort", 8080}}}}}}}}},
                {"status", {{"podIP", ip}, {"phase", "Running"}}}};
  };
  in.pods["default/srv"] = pod("srv", "10.42.1.2", "n1", {{"app", "srv"}});
  in.pods["default/cli"] = pod("cli", "10.42.2.2", "n2", {{"role", "client"}});
  in.pods["default/other"] = pod("other", "10.42.1.3", "n1", {{"app", "other"}});
  in.policies["default/allow"] = {
      {"metadata", {{"namespace", "default"}, {"name", "allow"}}},
      {"spec",
       {{"podSelector", {{"matchLabels", {{"app", "srv"}}}}},
        {"ingress",
         {{{"from", {{{"podSelector", {{"matchLabels", {{"role", "client"}}}}}},
                     {{"ipBlock", {{"cidr", "192.168.1.7/16"}, {"except", {"192.168.5.0/24"}}}}}}},
           {"ports", {{{"port", "web"}}}}}}}}}};
  auto out = netpol::build_policy_fragments(in, "n1");
  REQUIRE(out.size() == 1);
  const auto& f = out.at("default/srv");
  REQUIRE(f.chains.size() == 1);
  const auto& [name, rules] = *f.chains.begin();
  CHECK(f.elements.at("pod-ingress").at("10.42.1.2") == "jump " + name);
  std::string body = joined(rules);
  CHECK(body.find("ip saddr { 10.42.2.2 } meta l4proto tcp th dport 8080 return") != std::string::npos);
  CHECK(body.find("ip saddr 192.168.0.0/16 ip saddr != { 192.168.5.0/24 } meta l4proto tcp th dport 8080 return") !=
        std::string::npos);
  CHECK(rules.back() == "drop");

  auto dns = netpol::cluster_dns_fragment("10.43.0.10");
  CHECK(dns.elements.at("node-dns").count("10.43.0.10 . udp . 53") == 1);
  CHECK(dns.elements.at("node-dns").count("10.43.0.10 . tcp . 53") == 1);
}
