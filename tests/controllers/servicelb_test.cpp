// ServiceLB's status: which node addresses a LoadBalancer Service lists.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "server/controllers/servicelb_controller.h"

using mk::controllers::servicelb_ingress;
using nlohmann::json;

namespace {

json node(const std::string& name, bool ready, json addresses, json labels = json::object()) {
  json condition = {{"type", "Ready"}, {"status", ready ? "True" : "False"}};
  json n;
  n["metadata"] = {{"name", name}, {"labels", labels}};
  n["status"]["conditions"] = json::array({condition});
  n["status"]["addresses"] = addresses;
  return n;
}

json internal(const std::string& ip) { return {{"type", "InternalIP"}, {"address", ip}}; }
json external(const std::string& ip) { return {{"type", "ExternalIP"}, {"address", ip}}; }

json lb(json extra = json::object()) {
  json svc = {{"metadata", {{"namespace", "default"}, {"name", "web"}}}, {"spec", {{"type", "LoadBalancer"}}}};
  svc["spec"].update(extra);
  return svc;
}

std::vector<std::string> ips(const json& ingress) {
  std::vector<std::string> out;
  for (const auto& i : ingress) out.push_back(i["ip"]);
  return out;
}

}  // namespace

TEST_CASE("a LoadBalancer lists the Ready nodes' internal addresses, sorted") {
  std::vector<json> nodes = {node("b", true, {internal("192.168.1.12")}), node("a", true, {internal("192.168.1.11")}),
                             node("c", false, {internal("192.168.1.13")})};
  auto ingress = servicelb_ingress(lb(), nodes, {});
  CHECK(ips(ingress) == std::vector<std::string>{"192.168.1.11", "192.168.1.12"});
  CHECK(ingress[0]["ipMode"] == "VIP");
  // Not ours: ClusterIP services and those of another load balancer class.
  CHECK(servicelb_ingress(json{{"spec", {{"type", "ClusterIP"}}}}, nodes, {}).empty());
  CHECK(servicelb_ingress(lb({{"loadBalancerClass", "example.com/lb"}}), nodes, {}).empty());
}

TEST_CASE("external addresses win when a node has one; IPv6 only for IPv6 services") {
  std::vector<json> nodes = {node("a", true, {internal("192.168.1.11"), external("203.0.113.5"), internal("fd00::1")}),
                             node("b", true, {internal("192.168.1.12")})};
  CHECK(ips(servicelb_ingress(lb(), nodes, {})) == std::vector<std::string>{"203.0.113.5"});
  std::vector<json> v6 = {node("a", true, {internal("192.168.1.11"), internal("fd00::1")})};
  CHECK(ips(servicelb_ingress(lb({{"ipFamilies", {"IPv6"}}}), v6, {})) == std::vector<std::string>{"fd00::1"});
}

TEST_CASE("enablelb labels, pools and Local traffic policy narrow the nodes") {
  std::vector<json> nodes = {node("a", true, {internal("10.0.0.1")}, {{"svccontroller.k3s.cattle.io/enablelb", "true"}}),
                             node("b", true, {internal("10.0.0.2")}),
                             node("c", true, {internal("10.0.0.3")},
                                  {{"svccontroller.k3s.cattle.io/enablelb", "true"}, {"svccontroller.k3s.cattle.io/lbpool", "p1"}})};
  CHECK(ips(servicelb_ingress(lb(), nodes, {})) == std::vector<std::string>{"10.0.0.1", "10.0.0.3"});
  json pooled = lb();
  pooled["metadata"]["labels"] = {{"svccontroller.k3s.cattle.io/lbpool", "p1"}};
  CHECK(ips(servicelb_ingress(pooled, nodes, {})) == std::vector<std::string>{"10.0.0.3"});

  std::vector<json> plain = {node("a", true, {internal("10.0.0.1")}), node("b", true, {internal("10.0.0.2")})};
  json slice = {{"endpoints", {{{"addresses", {"10.42.0.5"}}, {"nodeName", "b"}, {"conditions", {{"ready", true}}}},
                               {{"addresses", {"10.42.0.6"}}, {"nodeName", "a"}, {"conditions", {{"ready", false}}}}}}};
  CHECK(ips(servicelb_ingress(lb({{"externalTrafficPolicy", "Local"}}), plain, {slice})) ==
        std::vector<std::string>{"10.0.0.2"});
}
