// Endpoints, EndpointSlices, Ingresses, NetworkPolicies and PodDisruptionBudgets.
#include "strategy_test_util.h"

using namespace mk::apiserver::test;

TEST_CASE("endpoints hold routable IPs and valid ports", "[endpoints]") {
  Cluster c;
  json stored = c.must_create("Endpoints", {{"metadata", {{"name", "web"}}},
                                            {"subsets", {{{"addresses", {{{"ip", "10.42.0.5"}}}}, {"ports", {{{"port", 80}}}}}}}});
  CHECK(stored["subsets"][0]["ports"][0]["protocol"] == "TCP");

  auto r = c.create("Endpoints", {{"metadata", {{"name", "bad"}}},
                                  {"subsets", {{{"addresses", {{{"ip", "not-an-ip"}}, {{"ip", "127.0.0.1"}}}},
                                                {"ports", {{{"name", "a"}, {"port", 0}}, {{"port", 81}}}}}}}});
  REQUIRE(!r);
  INFO(dump_causes(r.error()));
  CHECK(has_cause(r.error(), "FieldValueInvalid", "subsets[0].addresses[0].ip",
                  "subsets[0].addresses[0].ip: Invalid value: \"not-an-ip\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  CHECK(has_cause(r.error(), "FieldValueInvalid", "subsets[0].addresses[1].ip",
                  "subsets[0].addresses[1].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  CHECK(has_cause(r.error(), "FieldValueInvalid", "subsets[0].ports[0].port",
                  "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"));
  CHECK(has_cause(r.error(), "FieldValueRequired", "subsets[0].ports[1].name", "subsets[0].ports[1].name: Required value"));
}

TEST_CASE("endpoint slices: defaults and addresses of their type", "[endpointslice]") {
  Cluster c;
  json stored = c.must_create("EndpointSlice", {{"metadata", {{"name", "web-abc"}}},
                                                {"addressType", "IPv4"},
                                                {"endpoints", {{{"addresses", {"10.42.0.5"}}}}},
                                                {"ports", {{{"port", 80}}}}});
  CHECK(stored["ports"][0] == json{{"name", ""}, {"protocol", "TCP"}, {"port", 80}});

  auto r = c.create("EndpointSlice", {{"metadata", {{"name", "web-def"}}},
                                      {"addressType", "IPv4"},
                                      {"endpoints", {{{"addresses", {"fd00::1"}}}, {{"addresses", json::array()}}}}});
  REQUIRE(!r);
  CHECK(r.error().message ==
        "EndpointSlice.discovery.k8s.io \"web-def\" is invalid: [endpoints[0].addresses[0]: Invalid value: \"fd00::1\": must "
        "be a valid IPv4 address, endpoints[1].addresses: Required value: must contain at least 1 address]");
}

TEST_CASE("ingress rules need paths and backends", "[ingress]") {
  Cluster c;
  auto empty = c.create("Ingress", {{"metadata", {{"name", "web"}}}, {"spec", json::object()}});
  REQUIRE(!empty);
  CHECK(empty.error().message ==
        "Ingress.networking.k8s.io \"web\" is invalid: spec: Invalid value: []networking.IngressRule(nil): either "
        "`defaultBackend` or `rules` must be specified");

  json path = {{"path", "api"}, {"pathType", "Prefix"}, {"backend", {{"service", {{"name", "api"}, {"port", {{"number", 80}}}}}}}};
  auto r = c.create("Ingress", {{"metadata", {{"name", "web"}}},
                                {"spec", {{"rules", {{{"host", "10.0.0.1"}, {"http", {{"paths", {path}}}}}}}}}});
  REQUIRE(!r);
  INFO(dump_causes(r.error()));
  CHECK(has_cause(r.error(), "FieldValueInvalid", "spec.rules[0].host",
                  "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address"));
  CHECK(has_cause(r.error(), "FieldValueInvalid", "spec.rules[0].http.paths[0].path",
                  "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path"));

  path["path"] = "/api";
  json stored = c.must_create("Ingress", {{"metadata", {{"name", "ok"}}},
                                          {"spec", {{"rules", {{{"host", "example.com"}, {"http", {{"paths", {path}}}}}}}}}});
  CHECK(stored["status"] == json{{"loadBalancer", json::object()}});
}

TEST_CASE("network policies default their types and check peers", "[networkpolicy]") {
  Cluster c;
  json stored = c.must_create("NetworkPolicy", {{"metadata", {{"name", "deny"}}},
                                                {"spec", {{"podSelector", json::object()}, {"egress", {{{"to", {{{"podSelector", json::object()}}}}}}}}}});
  CHECK(stored["spec"]["policyTypes"] == json::array({"Ingress", "Egress"}));

  auto r = c.create("NetworkPolicy",
                    {{"metadata", {{"name", "bad"}}},
                     {"spec", {{"podSelector", json::object()},
                               {"ingress", {{{"from", {json::object(), {{"ipBlock", {{"cidr", "10.0.0.0/16"}, {"except", {"10.1.0.0/24"}}}}}}}}}}}}});
  REQUIRE(!r);
  CHECK(r.error().message ==
        "NetworkPolicy.networking.k8s.io \"bad\" is invalid: [spec.ingress[0].from[0]: Required value: must specify a peer, "
        "spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr`]");
}

TEST_CASE("disruption budgets set one limit within 100%", "[pdb]") {
  Cluster c;
  json stored = c.must_create("PodDisruptionBudget", {{"metadata", {{"name", "web"}}},
                                                      {"spec", {{"minAvailable", "50%"}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}});
  CHECK(stored["status"] == json{{"disruptionsAllowed", 0}, {"currentHealthy", 0}, {"desiredHealthy", 0}, {"expectedPods", 0}});

  auto r = c.create("PodDisruptionBudget", {{"metadata", {{"name", "both"}}}, {"spec", {{"minAvailable", 1}, {"maxUnavailable", "150%"}}}});
  REQUIRE(!r);
  CHECK(r.error().message ==
        "PodDisruptionBudget.policy \"both\" is invalid: [spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:"
        "(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)"
        "(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and "
        "maxUnavailable cannot be both set, spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, "
        "StrVal:\"150%\"}: must not be greater than 100%]");
}
