// The kubectl write paths not covered elsewhere: edit, set image, rollout restart, scale of
// replicasets and statefulsets, --dry-run=server on every kind of write, delete with a label
// selector, grace periods, the pod status subresource, binding, and eviction against a budget.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "e2e/harness.h"

using mk::e2e::contains;
using mk::e2e::RunResult;
using mk::e2e::Server;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string jsonpath(Server& server, const std::vector<std::string>& what, const std::string& expr) {
  std::vector<std::string> args = {"get"};
  args.insert(args.end(), what.begin(), what.end());
  args.push_back("-o");
  args.push_back("jsonpath=" + expr);
  RunResult r = server.kubectl(args);
  INFO(r);
  REQUIRE(r.ok());
  return r.out;
}

json get_json(Server& server, const std::vector<std::string>& what) {
  std::vector<std::string> args = {"get"};
  args.insert(args.end(), what.begin(), what.end());
  args.push_back("-o");
  args.push_back("json");
  RunResult r = server.kubectl(args);
  INFO(r);
  REQUIRE(r.ok());
  return json::parse(r.out);
}

void must(Server& server, const std::vector<std::string>& args, const std::string& printed) {
  RunResult r = server.kubectl(args);
  INFO(r);
  REQUIRE(r.ok());
  CHECK(r.out == printed + "\n");
}

bool not_found(Server& server, const std::string& kind, const std::string& name) {
  RunResult r = server.kubectl({"get", kind, name, "-o", "name"});
  return r.exit_code == 1 && contains(r.err, "(NotFound)");
}

// The names of the managers recorded in an object's managedFields.
std::vector<std::string> managers(const json& obj) {
  std::vector<std::string> out;
  for (const auto& e : obj["metadata"].value("managedFields", json::array())) out.push_back(e.value("manager", ""));
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// An executable editor script for `kubectl edit`: it runs `sed -i <expr>` on the file kubectl passes.
std::string editor(Server& server, const std::string& name, const std::string& sed_expr) {
  std::string path = server.write(name, "#!/bin/sh\nexec sed -i '" + sed_expr + "' \"$1\"\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

const char* kApp = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "infinity"]
        env:
        - name: FIRST
          value: "1"
      - name: side
        image: busybox:1.36
        command: ["sleep", "infinity"]
)";

// A pod the scheduler leaves alone (no such scheduler), so only the test binds it.
const char* kUnscheduledPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: guarded
  labels:
    app: guarded
spec:
  schedulerName: e2e-nobody
  containers:
  - name: main
    image: busybox:1.36
)";

const char* kNode = R"(apiVersion: v1
kind: Node
metadata:
  name: n1
)";

}  // namespace

TEST_CASE("kubectl edit changes an object through the editor and records kubectl-edit") {
  Server server;
  std::vector<std::string> env = {"TMPDIR=" + server.new_dir("edit-tmp")};
  must(server, {"create", "configmap", "cfg", "--from-literal=color=red", "--from-literal=size=big"},
       "configmap/cfg created");

  std::string to_green = editor(server, "to-green.sh", "s/color: red/color: green/");
  RunResult r = server.kubectl_with_env({env[0], "EDITOR=" + to_green}, {"edit", "configmap", "cfg"});
  INFO(r);
  REQUIRE(r.ok());
  CHECK(r.out == "configmap/cfg edited\n");
  json cm = get_json(server, {"configmap", "cfg", "--show-managed-fields"});
  INFO(cm.dump(2));
  CHECK(cm["data"] == json::parse(R"({"color":"green","size":"big"})"));
  CHECK(has(managers(cm), "kubectl-edit"));

  // An editor that changes nothing: kubectl says so and sends nothing.
  std::string rv = cm["metadata"]["resourceVersion"];
  RunResult same = server.kubectl_with_env({env[0], "EDITOR=/bin/true"}, {"edit", "configmap", "cfg"});
  INFO(same);
  CHECK(same.ok());
  CHECK(contains(same.out + same.err, "Edit cancelled, no changes made."));
  CHECK(jsonpath(server, {"configmap", "cfg"}, "{.metadata.resourceVersion}") == rv);

  // A Deployment: the image of one container changes, everything else stays.
  must(server, {"apply", "-f", server.write("app.yaml", kApp)}, "deployment.apps/app created");
  std::string retag = editor(server, "retag.sh", "0,/image: busybox:1.36/s//image: busybox:1.37/");
  RunResult d = server.kubectl_with_env({env[0], "EDITOR=" + retag}, {"edit", "deployment", "app"});
  INFO(d);
  REQUIRE(d.ok());
  CHECK(d.out == "deployment.apps/app edited\n");
  json app = get_json(server, {"deployment", "app"});
  const json& c = app["spec"]["template"]["spec"]["containers"];
  REQUIRE(c.size() == 2);
  CHECK(c[0]["name"] == "main");
  CHECK(c[0]["image"] == "busybox:1.37");
  CHECK(c[0]["env"] == json::parse(R"([{"name":"FIRST","value":"1"}])"));
  CHECK(c[1]["name"] == "side");
  CHECK(c[1]["image"] == "busybox:1.36");
  CHECK(app["metadata"]["generation"] == 2);
}

TEST_CASE("kubectl set image and rollout restart change the pod template") {
  Server server;
  must(server, {"apply", "-f", server.write("app.yaml", kApp)}, "deployment.apps/app created");

  must(server, {"set", "image", "deployment/app", "main=busybox:1.37"}, "deployment.apps/app image updated");
  json d = get_json(server, {"deployment", "app", "--show-managed-fields"});
  const json& c = d["spec"]["template"]["spec"]["containers"];
  REQUIRE(c.size() == 2);
  CHECK(c[0]["name"] == "main");
  CHECK(c[0]["image"] == "busybox:1.37");
  CHECK(c[0]["env"] == json::parse(R"([{"name":"FIRST","value":"1"}])"));
  CHECK(c[0]["command"] == json::parse(R"(["sleep","infinity"])"));
  CHECK(c[1]["image"] == "busybox:1.36");
  CHECK(d["metadata"]["generation"] == 2);
  CHECK(has(managers(d), "kubectl-set"));

  // Both containers at once; an unknown container is an error that changes nothing.
  must(server, {"set", "image", "deployment/app", "*=busybox:1.38"}, "deployment.apps/app image updated");
  CHECK(jsonpath(server, {"deployment", "app"}, "{.spec.template.spec.containers[*].image}") ==
        "busybox:1.38 busybox:1.38");
  RunResult bad = server.kubectl({"set", "image", "deployment/app", "nosuch=busybox:1.39"});
  INFO(bad);
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.err, "unable to find container named \"nosuch\""));
  CHECK(jsonpath(server, {"deployment", "app"}, "{.metadata.generation}") == "3");

  must(server, {"rollout", "restart", "deployment/app"}, "deployment.apps/app restarted");
  d = get_json(server, {"deployment", "app", "--show-managed-fields"});
  INFO(d.dump(2));
  std::string at = d["spec"]["template"]["metadata"]["annotations"].value("kubectl.kubernetes.io/restartedAt", "");
  // RFC 3339, e.g. 2025-01-02T03:04:05Z
  CHECK(at.size() >= 20);
  CHECK(at.find('T') == 10);
  CHECK(d["metadata"]["generation"] == 4);
  CHECK(d["spec"]["template"]["metadata"]["labels"]["app"] == "app");
  CHECK(d["spec"]["template"]["spec"]["containers"].size() == 2);
  CHECK(has(managers(d), "kubectl-rollout"));
}

TEST_CASE("kubectl scale works on replicasets and statefulsets") {
  Server server;
  const char* rs = R"(apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: rs
spec:
  replicas: 0
  selector:
    matchLabels: {app: rs}
  template:
    metadata:
      labels: {app: rs}
    spec:
      schedulerName: e2e-nobody
      containers:
      - name: main
        image: busybox:1.36
)";
  const char* sts = R"(apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: sts
spec:
  replicas: 0
  serviceName: sts
  selector:
    matchLabels: {app: sts}
  template:
    metadata:
      labels: {app: sts}
    spec:
      schedulerName: e2e-nobody
      containers:
      - name: main
        image: busybox:1.36
)";
  must(server, {"create", "-f", server.write("rs.yaml", rs)}, "replicaset.apps/rs created");
  must(server, {"create", "-f", server.write("sts.yaml", sts)}, "statefulset.apps/sts created");

  must(server, {"scale", "replicaset/rs", "--replicas=2"}, "replicaset.apps/rs scaled");
  CHECK(jsonpath(server, {"replicaset", "rs"}, "{.spec.replicas} {.metadata.generation}") == "2 2");
  must(server, {"scale", "statefulset/sts", "--replicas=3"}, "statefulset.apps/sts scaled");
  CHECK(jsonpath(server, {"statefulset", "sts"}, "{.spec.replicas} {.metadata.generation}") == "3 2");

  RunResult raw = server.kubectl({"get", "--raw", "/apis/apps/v1/namespaces/default/statefulsets/sts/scale"});
  INFO(raw);
  REQUIRE(raw.ok());
  json scale = json::parse(raw.out);
  CHECK(scale["kind"] == "Scale");
  CHECK(scale["apiVersion"] == "autoscaling/v1");
  CHECK(scale["spec"]["replicas"] == 3);
  CHECK(scale["status"]["selector"] == "app=sts");

  // --current-replicas is a precondition: a wrong value changes nothing.
  RunResult stale = server.kubectl({"scale", "replicaset/rs", "--current-replicas=5", "--replicas=1"});
  INFO(stale);
  CHECK(stale.exit_code == 1);
  CHECK(contains(stale.err, "Expected replicas to be 5, was 2"));
  CHECK(jsonpath(server, {"replicaset", "rs"}, "{.spec.replicas}") == "2");
  must(server, {"scale", "replicaset/rs", "--current-replicas=2", "--replicas=1"}, "replicaset.apps/rs scaled");
  CHECK(jsonpath(server, {"replicaset", "rs"}, "{.spec.replicas}") == "1");

  // A negative count is refused by the server's validation.
  RunResult negative = server.kubectl({"scale", "statefulset/sts", "--replicas=-1"});
  INFO(negative);
  CHECK(negative.exit_code != 0);
  CHECK(jsonpath(server, {"statefulset", "sts"}, "{.spec.replicas}") == "3");
}

TEST_CASE("--dry-run=server on create, apply, patch, label, scale, replace and delete changes nothing") {
  Server server;
  must(server, {"create", "configmap", "cfg", "--from-literal=color=red"}, "configmap/cfg created");
  must(server, {"create", "deployment", "web", "--image=nginx:1.27"}, "deployment.apps/web created");
  const std::string cm_rv = jsonpath(server, {"configmap", "cfg"}, "{.metadata.resourceVersion}");
  const std::string web_rv = jsonpath(server, {"deployment", "web"}, "{.metadata.resourceVersion}");

  // Typed create (protobuf) and create -f: printed as created, not stored, defaults applied.
  must(server, {"create", "configmap", "ghost", "--from-literal=a=b", "--dry-run=server"},
       "configmap/ghost created (server dry run)");
  CHECK(not_found(server, "configmap", "ghost"));
  RunResult shown = server.kubectl({"create", "deployment", "phantom", "--image=nginx:1.27", "--dry-run=server", "-o",
                                    "jsonpath={.spec.strategy.type} {.spec.template.spec.restartPolicy}"});
  INFO(shown);
  REQUIRE(shown.ok());
  CHECK(shown.out == "RollingUpdate Always");
  CHECK(not_found(server, "deployment", "phantom"));
  std::string file =
      server.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filed\ndata:\n  k: v\n");
  must(server, {"create", "-f", file, "--dry-run=server"}, "configmap/filed created (server dry run)");
  CHECK(not_found(server, "configmap", "filed"));

  // apply, client-side and server-side, on an absent and a present object.
  must(server, {"apply", "-f", file, "--dry-run=server"}, "configmap/filed created (server dry run)");
  must(server, {"apply", "--server-side", "-f", file, "--dry-run=server"},
       "configmap/filed serverside-applied (server dry run)");
  CHECK(not_found(server, "configmap", "filed"));
  std::string changed =
      server.write("cfg.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  color: blue\n");
  must(server, {"apply", "-f", changed, "--dry-run=server"}, "configmap/cfg configured (server dry run)");
  must(server, {"apply", "--server-side", "--force-conflicts", "-f", changed, "--dry-run=server"},
       "configmap/cfg serverside-applied (server dry run)");

  // patch shows the would-be object.
  RunResult patched = server.kubectl({"patch", "configmap", "cfg", "--type=merge", "-p", R"({"data":{"color":"green"}})",
                                      "--dry-run=server", "-o", "jsonpath={.data.color}"});
  INFO(patched);
  REQUIRE(patched.ok());
  CHECK(patched.out == "green");
  // (kubectl patch prints no dry-run suffix.)
  must(server, {"patch", "configmap", "cfg", "--type=json", "-p", R"([{"op":"remove","path":"/data/color"}])",
                "--dry-run=server"},
       "configmap/cfg patched");
  must(server, {"label", "configmap", "cfg", "x=y", "--dry-run=server"}, "configmap/cfg labeled (server dry run)");
  must(server, {"annotate", "configmap", "cfg", "x=y", "--dry-run=server"},
       "configmap/cfg annotated (server dry run)");
  must(server, {"scale", "deployment/web", "--replicas=5", "--dry-run=server"},
       "deployment.apps/web scaled (server dry run)");
  must(server, {"set", "image", "deployment/web", "nginx=nginx:1.28", "--dry-run=server"},
       "deployment.apps/web image updated (server dry run)");

  json live = get_json(server, {"configmap", "cfg"});
  live["data"]["color"] = "black";
  must(server, {"replace", "-f", server.write("replace.json", live.dump()), "--dry-run=server"},
       "configmap/cfg replaced (server dry run)");

  must(server, {"delete", "configmap", "cfg", "--dry-run=server"}, "configmap \"cfg\" deleted (server dry run)");
  must(server, {"delete", "deployment", "web", "--dry-run=server"}, "deployment.apps \"web\" deleted (server dry run)");

  // Nothing of it was stored.
  json cm = get_json(server, {"configmap", "cfg"});
  CHECK(cm["data"] == json::parse(R"({"color":"red"})"));
  CHECK_FALSE(cm["metadata"].contains("labels"));
  CHECK(cm["metadata"]["resourceVersion"] == cm_rv);
  CHECK(jsonpath(server, {"deployment", "web"},
                 "{.metadata.resourceVersion} {.spec.replicas} {.spec.template.spec.containers[0].image}") ==
        web_rv + " 1 nginx:1.27");
}

TEST_CASE("kubectl delete -l deletes exactly the selected objects") {
  Server server;
  for (const auto& [name, labels] : std::vector<std::pair<std::string, std::string>>{
           {"a1", "x=y"}, {"a2", "x=y"}, {"b1", "x=z"}, {"c1", ""}}) {
    must(server, {"create", "configmap", name, "--from-literal=k=v"}, "configmap/" + name + " created");
    if (!labels.empty()) must(server, {"label", "configmap", name, labels}, "configmap/" + name + " labeled");
  }
  must(server, {"create", "namespace", "other"}, "namespace/other created");
  must(server, {"create", "configmap", "a1", "-n", "other", "--from-literal=k=v"}, "configmap/a1 created");
  must(server, {"label", "configmap", "a1", "-n", "other", "x=y"}, "configmap/a1 labeled");

  RunResult dry = server.kubectl({"delete", "configmaps", "-l", "x=y", "--dry-run=server"});
  INFO(dry);
  REQUIRE(dry.ok());
  CHECK(dry.out == "configmap \"a1\" deleted (server dry run)\nconfigmap \"a2\" deleted (server dry run)\n");

  RunResult r = server.kubectl({"delete", "configmaps", "-l", "x=y"});
  INFO(r);
  REQUIRE(r.ok());
  CHECK(r.out == "configmap \"a1\" deleted\nconfigmap \"a2\" deleted\n");
  CHECK(jsonpath(server, {"configmaps", "-l", "x"}, "{.items[*].metadata.name}") == "b1");
  CHECK(jsonpath(server, {"configmaps", "-n", "other", "-l", "x"}, "{.items[*].metadata.name}") == "a1");
  CHECK_FALSE(not_found(server, "configmap", "c1"));

  // A selector that matches nothing.
  RunResult none = server.kubectl({"delete", "configmaps", "-l", "x=nothing"});
  INFO(none);
  CHECK(none.ok());
  CHECK(none.out == "No resources found\n");

  // Set-based selectors work too.
  must(server, {"delete", "configmaps", "-l", "x in (z)"}, "configmap \"b1\" deleted");
  CHECK_FALSE(not_found(server, "configmap", "c1"));
}

TEST_CASE("binding, the status subresource, grace periods and eviction against a disruption budget") {
  Server server;
  must(server, {"create", "-f", server.write("node.yaml", kNode)}, "node/n1 created");
  must(server, {"create", "-f", server.write("pod.yaml", kUnscheduledPod)}, "pod/guarded created");

  // pods/binding puts the pod on the node.
  std::string binding = server.write(
      "binding.json",
      R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"guarded"},"target":{"kind":"Node","name":"n1"}})");
  RunResult bound = server.kubectl({"create", "--raw", "/api/v1/namespaces/default/pods/guarded/binding", "-f", binding});
  INFO(bound);
  REQUIRE(bound.ok());
  CHECK(jsonpath(server, {"pod", "guarded"}, "{.spec.nodeName}") == "n1");

  // pods/status: the status changes, the spec sent along is ignored.
  RunResult status = server.kubectl(
      {"patch", "pod", "guarded", "--subresource=status", "--type=merge", "-p",
       R"({"spec":{"activeDeadlineSeconds":5},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})"});
  INFO(status);
  REQUIRE(status.ok());
  CHECK(status.out == "pod/guarded patched\n");
  CHECK(jsonpath(server, {"pod", "guarded"}, "{.status.phase} {.status.conditions[?(@.type==\"Ready\")].status}") ==
        "Running True");
  CHECK(jsonpath(server, {"pod", "guarded"}, "{.spec.activeDeadlineSeconds}").empty());

  // A budget that needs the only pod: draining the node is refused, the pod stays.
  must(server, {"create", "pdb", "keep", "--selector=app=guarded", "--min-available=1"},
       "poddisruptionbudget.policy/keep created");
  RunResult drain = server.kubectl({"drain", "n1", "--force", "--timeout=2s"}, 30s);
  INFO(drain);
  CHECK(drain.exit_code == 1);
  CHECK(contains(drain.err, "Cannot evict pod as it would violate the pod's disruption budget."));
  CHECK(jsonpath(server, {"node", "n1"}, "{.spec.unschedulable}") == "true");
  CHECK_FALSE(not_found(server, "pod", "guarded"));
  RunResult evict = server.kubectl(
      {"create", "--raw", "/api/v1/namespaces/default/pods/guarded/eviction", "-f",
       server.write("eviction.json", R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"guarded"}})")});
  INFO(evict);
  CHECK(evict.exit_code == 1);
  CHECK(contains(evict.err, "(TooManyRequests)"));
  CHECK_FALSE(not_found(server, "pod", "guarded"));

  // Without the budget, a delete with a grace period leaves the pod terminating on its node...
  must(server, {"delete", "pdb", "keep"}, "poddisruptionbudget.policy \"keep\" deleted");
  RunResult graceful = server.kubectl({"delete", "pod", "guarded", "--grace-period=45", "--wait=false"});
  INFO(graceful);
  REQUIRE(graceful.ok());
  CHECK(graceful.out == "pod \"guarded\" deleted\n");
  json pod = get_json(server, {"pod", "guarded"});
  CHECK(pod["metadata"].contains("deletionTimestamp"));
  CHECK(pod["metadata"]["deletionGracePeriodSeconds"] == 45);

  // ...and a forced delete with no grace removes it at once.
  RunResult forced = server.kubectl({"delete", "pod", "guarded", "--grace-period=0", "--force"});
  INFO(forced);
  REQUIRE(forced.ok());
  CHECK(forced.out == "pod \"guarded\" force deleted\n");
  CHECK(not_found(server, "pod", "guarded"));
}

TEST_CASE("kubectl create service nodeport, create token, auth whoami and auth can-i") {
  Server server;
  must(server, {"create", "service", "nodeport", "np", "--tcp=80:8080"}, "service/np created");
  std::string np = jsonpath(server, {"service", "np"}, "{.spec.type} {.spec.ports[0].port} {.spec.ports[0].nodePort}");
  INFO(np);
  CHECK(np.rfind("NodePort 80 3", 0) == 0);
  must(server, {"create", "service", "externalname", "ext", "--external-name=db.example.com"}, "service/ext created");
  CHECK(jsonpath(server, {"service", "ext"}, "{.spec.type} {.spec.externalName}") == "ExternalName db.example.com");

  must(server, {"create", "serviceaccount", "robot"}, "serviceaccount/robot created");
  RunResult token = server.kubectl({"create", "token", "robot", "--duration=10m"});
  INFO(token);
  REQUIRE(token.ok());
  std::string jwt = token.out.substr(0, token.out.find('\n'));
  REQUIRE(std::count(jwt.begin(), jwt.end(), '.') == 2);

  // The token alone (no client certificate) identifies the service account.
  std::vector<std::string> as_robot = {"--server", server.url(), "--certificate-authority", server.ca_file(),
                                       "--token", jwt, "--cache-dir", server.new_dir("kcache-robot")};
  std::vector<std::string> who_args = as_robot;
  who_args.insert(who_args.end(), {"auth", "whoami", "-o", "json"});
  RunResult who = server.kubectl_raw(who_args);
  INFO(who);
  REQUIRE(who.ok());
  json review = json::parse(who.out);
  CHECK(review["kind"] == "SelfSubjectReview");
  CHECK(review["status"]["userInfo"]["username"] == "system:serviceaccount:default:robot");

  std::vector<std::string> can_args = as_robot;
  can_args.insert(can_args.end(), {"auth", "can-i", "delete", "secrets"});
  RunResult cannot = server.kubectl_raw(can_args);
  INFO(cannot);
  CHECK(cannot.exit_code == 1);
  CHECK(cannot.out == "no\n");

  must(server, {"auth", "can-i", "delete", "secrets"}, "yes");
}
