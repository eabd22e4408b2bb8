// ServiceLB against the built server: a LoadBalancer Service's status lists the Ready nodes'
// addresses and follows nodes as they come, go Not Ready and leave; kubectl shows them as the
// EXTERNAL-IP.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/timestamp.h"
#include "client/https_client.h"
#include "e2e/harness.h"

using namespace mk;
using namespace mk::e2e;
using nlohmann::json;

namespace {

const client::Resource kServices{"", "v1", "services"};
const client::Resource kNodes{"", "v1", "nodes"};

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

// Creates or updates a node's status (retrying when a controller changed it meanwhile).
void set_node(client::ApiClient& api, const std::string& name, const std::string& ip, bool ready) {
  if (!api.get(kNodes, "", name)) {
    REQUIRE(api.create(kNodes, "", json{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}}));
  }
  std::string last_error;
  bool done = poll_until(
      [&] {
        auto node = api.get(kNodes, "", name);
        if (!node) return false;
        json n = *node;
        std::string now = api::format_time(std::chrono::system_clock::now());
        n["status"]["addresses"] = {{{"type", "InternalIP"}, {"address", ip}}, {{"type", "Hostname"}, {"address", name}}};
        n["status"]["conditions"] = {{{"type", "Ready"},
                                      {"status", ready ? "True" : "False"},
                                      {"reason", "Test"},
                                      {"lastHeartbeatTime", now},
                                      {"lastTransitionTime", now}}};
        auto updated = api.update(kNodes, "", n, "status");
        if (!updated) last_error = updated.error().message;
        return static_cast<bool>(updated);
      },
      10s);
  INFO(last_error);
  REQUIRE(done);
}

std::string ingress_of(client::ApiClient& api, const std::string& name) {
  auto svc = api.get(kServices, "default", name);
  if (!svc) return "?";
  std::string out;
  const json& status = *svc;
  if (!status.contains("status") || !status["status"].contains("loadBalancer") ||
      !status["status"]["loadBalancer"].contains("ingress"))
    return "";
  for (const auto& i : status["status"]["loadBalancer"]["ingress"]) out += (out.empty() ? "" : ",") + i.value("ip", "");
  return out;
}

json service(const std::string& name, const std::string& type) {
  json port = {{"port", 80}, {"protocol", "TCP"}};
  json svc = {{"apiVersion", "v1"}, {"kind", "Service"}};
  svc["metadata"]["name"] = name;
  svc["spec"]["type"] = type;
  svc["spec"]["ports"] = json::array({port});
  return svc;
}

}  // namespace

TEST_CASE("ServiceLB publishes the Ready nodes' addresses for LoadBalancer services") {
  Server server;
  auto api = admin_client(server);
  set_node(*api, "lb-a", "192.0.2.21", true);
  REQUIRE(api->create(kServices, "default", service("web", "LoadBalancer")));
  CHECK(poll_until([&] { return ingress_of(*api, "web") == "192.0.2.21"; }, 10s));

  set_node(*api, "lb-b", "192.0.2.22", true);
  CHECK(poll_until([&] { return ingress_of(*api, "web") == "192.0.2.21,192.0.2.22"; }, 10s));
  auto shown = server.kubectl({"get", "service", "web"});
  INFO(shown);
  CHECK(contains(shown.out, "192.0.2.21,192.0.2.22"));

  set_node(*api, "lb-a", "192.0.2.21", false);
  CHECK(poll_until([&] { return ingress_of(*api, "web") == "192.0.2.22"; }, 10s));

  REQUIRE(api->remove(kNodes, "", "lb-b", json::object()));
  CHECK(poll_until([&] { return ingress_of(*api, "web").empty(); }, 10s));

  // A ClusterIP service gets no load balancer status.
  REQUIRE(api->create(kServices, "default", service("plain", "ClusterIP")));
  set_node(*api, "lb-a", "192.0.2.21", true);
  CHECK(poll_until([&] { return ingress_of(*api, "web") == "192.0.2.21"; }, 10s));
  CHECK(ingress_of(*api, "plain").empty());
}

TEST_CASE("the kubernetes Service has an EndpointSlice for service proxies") {
  Server server;
  auto api = admin_client(server);
  auto slice = api->get(client::Resource{"discovery.k8s.io", "v1", "endpointslices"}, "default", "kubernetes");
  REQUIRE(slice);
  CHECK((*slice)["metadata"]["labels"]["kubernetes.io/service-name"] == "kubernetes");
  CHECK((*slice)["endpoints"][0]["addresses"][0] == "127.0.0.1");
  CHECK((*slice)["ports"][0]["port"] == server.port());
}
