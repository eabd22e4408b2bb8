// Deployments, ReplicaSets, DaemonSets and StatefulSets: stored defaults, the selector that must
// select the template, selectors fixed once created, and the template's own rules.
#include "strategy_test_util.h"

using namespace mk::apiserver::test;

namespace {

json workload(const std::string& kind, const std::string& name, const json& selector_labels, const json& template_labels) {
  return json{{"apiVersion", "apps/v1"},
              {"kind", kind},
              {"metadata", {{"name", name}}},
              {"spec",
               {{"selector", {{"matchLabels", selector_labels}}},
                {"template", {{"metadata", {{"labels", template_labels}}}, {"spec", {{"containers", {container("app", "nginx")}}}}}}}}};
}

}  // namespace

TEST_CASE("a deployment is stored with upstream's defaults", "[deployment]") {
  Cluster c;
  json stored = c.must_create("Deployment", workload("Deployment", "web", {{"app", "web"}}, {{"app", "web"}}));
  const json& spec = stored["spec"];
  CHECK(spec["replicas"] == 1);
  CHECK(spec["strategy"] == json::parse(R"({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})"));
  CHECK(spec["revisionHistoryLimit"] == 10);
  CHECK(spec["progressDeadlineSeconds"] == 600);
  CHECK(stored["metadata"]["generation"] == 1);
  // The template gets PodSpec defaults, but none of the pod-only ones.
  const json& pod_spec = spec["template"]["spec"];
  CHECK(pod_spec["restartPolicy"] == "Always");
  CHECK(pod_spec["dnsPolicy"] == "ClusterFirst");
  CHECK(pod_spec["terminationGracePeriodSeconds"] == 30);
  CHECK(pod_spec["containers"][0]["imagePullPolicy"] == "Always");
  CHECK_FALSE(pod_spec.contains("enableServiceLinks"));
  CHECK_FALSE(pod_spec.contains("serviceAccountName"));
  CHECK_FALSE(pod_spec.contains("priority"));
}

TEST_CASE("a selector that does not select the template is refused", "[deployment]") {
  Cluster c;
  auto r = c.create("Deployment", workload("Deployment", "web", {{"app", "web"}}, {{"app", "other"}, {"tier", "front"}}));
  REQUIRE(!r);
  CHECK(r.error().code == 422);
  CHECK(r.error().message ==
        "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: "
        "map[string]string{\"app\":\"other\", \"tier\":\"front\"}: `selector` does not match template `labels`");
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].field == "spec.template.metadata.labels");
  CHECK(r.error().causes[0].reason == "FieldValueInvalid");

  json empty = workload("Deployment", "empty", json::object(), {{"app", "web"}});
  auto r2 = c.create("Deployment", empty);
  REQUIRE(!r2);
  CHECK(r2.error().message ==
        "Deployment.apps \"empty\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment");
}

TEST_CASE("a deployment's selector is immutable", "[deployment]") {
  Cluster c;
  json stored = c.must_create("Deployment", workload("Deployment", "web", {{"app", "web"}}, {{"app", "web"}}));
  json changed = stored;
  changed["spec"]["selector"]["matchLabels"] = {{"app", "web2"}};
  changed["spec"]["template"]["metadata"]["labels"] = {{"app", "web2"}};
  auto r = c.update("Deployment", changed);
  REQUIRE(!r);
  CHECK(r.error().message ==
        "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":"
        "\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");

  // Other changes go through and count as a new generation.
  json scaled = stored;
  scaled["spec"]["replicas"] = 3;
  auto r2 = c.update("Deployment", scaled);
  REQUIRE(r2);
  CHECK((*r2)["spec"]["replicas"] == 3);
}

TEST_CASE("a deployment's pods restart always and its rollout makes progress", "[deployment]") {
  Cluster c;
  json d = workload("Deployment", "web", {{"app", "web"}}, {{"app", "web"}});
  d["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  d["spec"]["strategy"] = {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", 0}}}};
  auto r = c.create("Deployment", d);
  REQUIRE(!r);
  INFO(dump_causes(r.error()));
  CHECK(has_cause(r.error(), "FieldValueNotSupported", "spec.template.spec.restartPolicy",
                  "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""));
  CHECK(has_cause(r.error(), "FieldValueInvalid", "spec.strategy.rollingUpdate.maxUnavailable",
                  "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: "
                  "may not be 0 when `maxSurge` is 0"));

  json invalid_template = workload("Deployment", "bad", {{"app", "web"}}, {{"app", "web"}});
  invalid_template["spec"]["template"]["spec"]["containers"][0].erase("image");
  auto r2 = c.create("Deployment", invalid_template);
  REQUIRE(!r2);
  CHECK(r2.error().message == "Deployment.apps \"bad\" is invalid: spec.template.spec.containers[0].image: Required value");
}

TEST_CASE("replica sets and daemon sets get their defaults", "[replicaset][daemonset]") {
  Cluster c;
  json rs = c.must_create("ReplicaSet", workload("ReplicaSet", "web", {{"app", "web"}}, {{"app", "web"}}));
  CHECK(rs["spec"]["replicas"] == 1);
  CHECK(rs["status"] == json{{"replicas", 0}});

  json ds = c.must_create("DaemonSet", workload("DaemonSet", "agent", {{"app", "agent"}}, {{"app", "agent"}}));
  CHECK(ds["spec"]["updateStrategy"] ==
        json::parse(R"({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})"));
  CHECK(ds["spec"]["revisionHistoryLimit"] == 10);
  CHECK(ds["spec"]["template"]["spec"]["schedulerName"] == "default-scheduler");

  json changed = ds;
  changed["spec"]["selector"]["matchLabels"]["extra"] = "x";
  changed["spec"]["template"]["metadata"]["labels"]["extra"] = "x";
  auto r = c.update("DaemonSet", changed);
  REQUIRE(!r);
  CHECK(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].message ==
        "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"agent\", \"extra\":\"x\"}, "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
}

TEST_CASE("a stateful set gets its defaults and keeps its fixed fields", "[statefulset]") {
  Cluster c;
  json sts = workload("StatefulSet", "db", {{"app", "db"}}, {{"app", "db"}});
  sts["spec"]["serviceName"] = "db";
  json stored = c.must_create("StatefulSet", sts);
  const json& spec = stored["spec"];
  CHECK(spec["podManagementPolicy"] == "OrderedReady");
  CHECK(spec["updateStrategy"] == json::parse(R"({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})"));
  CHECK(spec["revisionHistoryLimit"] == 10);
  CHECK(spec["replicas"] == 1);
  CHECK(spec["persistentVolumeClaimRetentionPolicy"] == json{{"whenDeleted", "Retain"}, {"whenScaled", "Retain"}});

  json renamed = stored;
  renamed["spec"]["serviceName"] = "other";
  auto r = c.update("StatefulSet", renamed);
  REQUIRE(!r);
  CHECK(r.error().message ==
        "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', "
        "'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
        "'minReadySeconds' are forbidden");

  json scaled = stored;
  scaled["spec"]["replicas"] = 3;
  scaled["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:17";
  REQUIRE(c.update("StatefulSet", scaled));
}
