// Pods: the stored defaults of a minimal pod, imagePullPolicy by image reference, the 422s of
// invalid pods, the spec fixed after creation, and status writes.
#include "strategy_test_util.h"

using namespace mk::apiserver::test;

TEST_CASE("a minimal pod is stored with upstream's defaults", "[pod]") {
  Cluster c;
  json stored = c.must_create("Pod", pod("web", {{"containers", {container("app", "nginx")}}}));
  const json& spec = stored["spec"];
  CHECK(spec["restartPolicy"] == "Always");
  CHECK(spec["dnsPolicy"] == "ClusterFirst");
  CHECK(spec["terminationGracePeriodSeconds"] == 30);
  CHECK(spec["schedulerName"] == "default-scheduler");
  CHECK(spec["securityContext"] == json::object());
  CHECK(spec["enableServiceLinks"] == true);
  CHECK(spec["serviceAccountName"] == "default");
  CHECK(spec["serviceAccount"] == "default");
  CHECK(spec["priority"] == 0);
  CHECK(spec["preemptionPolicy"] == "PreemptLowerPriority");
  CHECK(spec["tolerations"] == json::parse(R"([
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}])"));
  const json& ctr = spec["containers"][0];
  CHECK(ctr["imagePullPolicy"] == "Always");
  CHECK(ctr["terminationMessagePath"] == "/dev/termination-log");
  CHECK(ctr["terminationMessagePolicy"] == "File");
  CHECK(ctr["resources"] == json::object());
  CHECK(stored["status"] == json{{"phase", "Pending"}, {"qosClass", "BestEffort"}});
}

TEST_CASE("imagePullPolicy follows the image's tag", "[pod]") {
  Cluster c;
  const std::string digest = "sha256:" + std::string(64, 'a');
  struct Case {
    std::string image, policy;
  };
  std::vector<Case> cases = {{"busybox", "Always"},
                             {"busybox:latest", "Always"},
                             {"busybox:1.36", "IfNotPresent"},
                             {"busybox@" + digest, "IfNotPresent"},
                             {"busybox:latest@" + digest, "Always"},
                             {"registry.local:5000/team/app", "Always"},
                             {"registry.local:5000/team/app:v2", "IfNotPresent"}};
  int n = 0;
  for (const auto& tc : cases) {
    INFO(tc.image);
    json stored = c.must_create("Pod", pod("p" + std::to_string(n++), {{"containers", {container("app", tc.image)}}}));
    CHECK(stored["spec"]["containers"][0]["imagePullPolicy"] == tc.policy);
  }
  // A policy the client chose is kept.
  json chosen = container("app", "busybox");
  chosen["imagePullPolicy"] = "Never";
  json stored = c.must_create("Pod", pod("chosen", {{"containers", {chosen}}}));
  CHECK(stored["spec"]["containers"][0]["imagePullPolicy"] == "Never");
}

TEST_CASE("container, probe, port and volume defaults", "[pod]") {
  Cluster c;
  json spec = json::parse(R"({
    "containers": [{
      "name": "app", "image": "nginx:1.27",
      "ports": [{"containerPort": 80}],
      "livenessProbe": {"httpGet": {"port": 80}},
      "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 0},
      "resources": {"limits": {"cpu": "0.5", "memory": "128Mi"}},
      "volumeMounts": [{"name": "scratch", "mountPath": "/tmp"}, {"name": "conf", "mountPath": "/etc/app"}]
    }],
    "volumes": [{"name": "scratch"}, {"name": "conf", "configMap": {"name": "app-config"}},
                {"name": "creds", "secret": {"secretName": "app-creds"}}]
  })");
  json stored = c.must_create("Pod", pod("web", spec));
  const json& ctr = stored["spec"]["containers"][0];
  CHECK(ctr["ports"][0]["protocol"] == "TCP");
  CHECK(ctr["livenessProbe"] == json::parse(R"({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
    "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})"));
  CHECK(ctr["readinessProbe"]["periodSeconds"] == 10);
  // Quantities are canonical, and requests default to limits on pods.
  CHECK(ctr["resources"]["limits"] == json{{"cpu", "500m"}, {"memory", "128Mi"}});
  CHECK(ctr["resources"]["requests"] == json{{"cpu", "500m"}, {"memory", "128Mi"}});
  const json& volumes = stored["spec"]["volumes"];
  CHECK(volumes[0] == json{{"name", "scratch"}, {"emptyDir", json::object()}});
  CHECK(volumes[1]["configMap"]["defaultMode"] == 420);
  CHECK(volumes[2]["secret"]["defaultMode"] == 420);
  CHECK(stored["status"]["qosClass"] == "Guaranteed");
}

TEST_CASE("a pod without an image is refused with upstream's message and cause", "[pod]") {
  Cluster c;
  auto r = c.create("Pod", pod("web", {{"containers", {{{"name", "app"}}}}}));
  REQUIRE(!r);
  CHECK(r.error().code == 422);
  CHECK(r.error().reason == "Invalid");
  CHECK(r.error().message == "Pod \"web\" is invalid: spec.containers[0].image: Required value");
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].reason == "FieldValueRequired");
  CHECK(r.error().causes[0].field == "spec.containers[0].image");
  CHECK(r.error().causes[0].message == "spec.containers[0].image: Required value");
}

TEST_CASE("a pod needs at least one container", "[pod]") {
  Cluster c;
  auto r = c.create("Pod", pod("web", {{"containers", json::array()}}));
  REQUIRE(!r);
  CHECK(r.error().message == "Pod \"web\" is invalid: spec.containers: Required value");
}

TEST_CASE("names, ports, mounts and resources of containers are checked", "[pod]") {
  Cluster c;
  json spec = json::parse(R"({
    "initContainers": [{"name": "app", "image": "busybox"}],
    "containers": [{
      "name": "app", "image": "busybox",
      "ports": [{"name": "web", "containerPort": 70000}, {"name": "web", "containerPort": 81}],
      "volumeMounts": [{"name": "missing", "mountPath": "/data"}],
      "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
    }, {"name": "Bad_Name", "image": "busybox"}],
    "volumes": [{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]
  })");
  auto r = c.create("Pod", pod("web", spec));
  REQUIRE(!r);
  INFO(dump_causes(r.error()));
  CHECK(r.error().code == 422);
  const auto& e = r.error();
  CHECK(has_cause(e, "FieldValueDuplicate", "spec.volumes[1].name", "spec.volumes[1].name: Duplicate value: \"v\""));
  CHECK(has_cause(e, "FieldValueInvalid", "spec.containers[0].ports[0].containerPort",
                  "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"));
  CHECK(has_cause(e, "FieldValueDuplicate", "spec.containers[0].ports[1].name",
                  "spec.containers[0].ports[1].name: Duplicate value: \"web\""));
  CHECK(has_cause(e, "FieldValueNotFound", "spec.containers[0].volumeMounts[0].name",
                  "spec.containers[0].volumeMounts[0].name: Not found: \"missing\""));
  CHECK(has_cause(e, "FieldValueInvalid", "spec.containers[0].resources.requests",
                  "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"));
  CHECK(has_cause(e, "FieldValueInvalid", "spec.containers[1].name",
                  "spec.containers[1].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case "
                  "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                  "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
  CHECK(has_cause(e, "FieldValueDuplicate", "spec.initContainers[0].name", "spec.initContainers[0].name: Duplicate value: \"app\""));
  CHECK(e.message.rfind("Pod \"web\" is invalid: [", 0) == 0);
}

TEST_CASE("a pod's spec is fixed after creation except for images", "[pod]") {
  Cluster c;
  json stored = c.must_create("Pod", pod("web", {{"containers", {container("app", "busybox:1.36")}}}));

  json changed = stored;
  changed["spec"]["restartPolicy"] = "Never";
  auto r = c.update("Pod", changed);
  REQUIRE(!r);
  CHECK(r.error().code == 422);
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].reason == "FieldValueForbidden");
  CHECK(r.error().causes[0].field == "spec");
  const std::string prefix =
      "Pod \"web\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
      "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
      "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n";
  CHECK(r.error().message.rfind(prefix, 0) == 0);

  json added = stored;
  added["spec"]["containers"].push_back(container("sidecar"));
  auto r2 = c.update("Pod", added);
  REQUIRE(!r2);
  CHECK(r2.error().message == "Pod \"web\" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers");

  json image = stored;
  image["spec"]["containers"][0]["image"] = "busybox:1.37";
  auto r3 = c.update("Pod", image);
  REQUIRE(r3);
  CHECK((*r3)["spec"]["containers"][0]["image"] == "busybox:1.37");
}

TEST_CASE("status writes go through while the spec stays as stored", "[pod]") {
  Cluster c;
  json stored = c.must_create("Pod", pod("web", {{"containers", {container()}}}));
  json status = stored;
  status["status"] = {{"phase", "Running"}, {"podIP", "10.42.0.5"}};
  auto r = c.update("Pod", status, "default", "status");
  REQUIRE(r);
  CHECK((*r)["status"]["phase"] == "Running");
  CHECK((*r)["spec"] == stored["spec"]);
}

TEST_CASE("a pod naming an unknown priority class is forbidden", "[pod]") {
  Cluster c;
  auto r = c.create("Pod", pod("web", {{"containers", {container()}}, {"priorityClassName", "gold"}}));
  REQUIRE(!r);
  CHECK(r.error().code == 403);
  CHECK(r.error().message == "pods \"web\" is forbidden: no PriorityClass with name gold was found");

  c.must_create("PriorityClass", {{"metadata", {{"name", "gold"}}}, {"value", 1000}});
  json stored = c.must_create("Pod", pod("web", {{"containers", {container()}}, {"priorityClassName", "gold"}}));
  CHECK(stored["spec"]["priority"] == 1000);
  json critical = c.must_create("Pod", pod("dns", {{"containers", {container()}}, {"priorityClassName", "system-cluster-critical"}}));
  CHECK(critical["spec"]["priority"] == 2000000000);
}
