// Changing objects with kubectl: label/annotate, apply (client-side twice, and server-side), patch
// in its three flavours, replace, a stale update (Conflict), and the errors a user sees for a
// manifest with an unknown field or an invalid name.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "e2e/harness.h"

using mk::e2e::contains;
using mk::e2e::RunResult;
using mk::e2e::Server;
using nlohmann::json;

namespace {

// kubectl get <what> -o jsonpath=<expr>, required to succeed.
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
)";

const char* kAppChanged = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 3
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
        - name: SECOND
          value: "2"
)";

}  // namespace

TEST_CASE("kubectl label and annotate add and remove keys") {
  Server server;
  must(server, {"create", "configmap", "tagged", "--from-literal=k=v"}, "configmap/tagged created");

  must(server, {"label", "configmap", "tagged", "tier=backend", "team=core"}, "configmap/tagged labeled");
  CHECK(jsonpath(server, {"configmap", "tagged"}, "{.metadata.labels.tier},{.metadata.labels.team}") ==
        "backend,core");
  must(server, {"annotate", "configmap", "tagged", "note=hello world"}, "configmap/tagged annotated");
  CHECK(jsonpath(server, {"configmap", "tagged"}, "{.metadata.annotations.note}") == "hello world");

  // Changing an existing value needs --overwrite.
  RunResult clash = server.kubectl({"label", "configmap", "tagged", "tier=frontend"});
  INFO(clash);
  CHECK(clash.exit_code == 1);
  CHECK(contains(clash.err, "'tier' already has a value (backend), and --overwrite is false"));
  must(server, {"label", "configmap", "tagged", "tier=frontend", "--overwrite"}, "configmap/tagged labeled");
  CHECK(jsonpath(server, {"configmap", "tagged"}, "{.metadata.labels.tier}") == "frontend");

  // Selectors see the labels.
  CHECK(jsonpath(server, {"configmaps", "-l", "tier=frontend"}, "{.items[*].metadata.name}") == "tagged");

  must(server, {"label", "configmap", "tagged", "tier-"}, "configmap/tagged unlabeled");
  CHECK(jsonpath(server, {"configmap", "tagged"}, "{.metadata.labels.tier}").empty());
  CHECK(jsonpath(server, {"configmap", "tagged"}, "{.metadata.labels.team}") == "core");
  must(server, {"annotate", "configmap", "tagged", "note-"}, "configmap/tagged annotated");
  CHECK(jsonpath(server, {"configmap", "tagged"}, "{.metadata.annotations.note}").empty());
  CHECK(jsonpath(server, {"configmaps", "-l", "tier"}, "{.items[*].metadata.name}").empty());
}

TEST_CASE("removing the last label and annotation leaves no empty map behind") {
  // kube-apiserver omits empty labels/annotations maps, so `-o yaml` shows neither key.
  Server server;
  must(server, {"create", "configmap", "bare", "--from-literal=k=v"}, "configmap/bare created");
  must(server, {"label", "configmap", "bare", "only=one"}, "configmap/bare labeled");
  must(server, {"annotate", "configmap", "bare", "only=one"}, "configmap/bare annotated");
  must(server, {"label", "configmap", "bare", "only-"}, "configmap/bare unlabeled");
  must(server, {"annotate", "configmap", "bare", "only-"}, "configmap/bare annotated");
  json cm = get_json(server, {"configmap", "bare"});
  INFO(cm.dump(2));
  CHECK_FALSE(cm["metadata"].contains("labels"));
  CHECK_FALSE(cm["metadata"].contains("annotations"));
}

TEST_CASE("kubectl apply creates, then updates with a strategic merge patch") {
  Server server;
  std::string first = server.write("app.yaml", kApp);
  must(server, {"apply", "-f", first}, "deployment.apps/app created");
  json d = get_json(server, {"deployment", "app"});
  CHECK(d["spec"]["replicas"] == 1);
  CHECK(d["metadata"]["generation"] == 1);
  CHECK(contains(d["metadata"]["annotations"].value("kubectl.kubernetes.io/last-applied-configuration", ""),
                 "\"FIRST\""));

  // The same manifest again changes nothing.
  must(server, {"apply", "-f", first}, "deployment.apps/app unchanged");

  must(server, {"apply", "-f", server.write("app2.yaml", kAppChanged)}, "deployment.apps/app configured");
  d = get_json(server, {"deployment", "app"});
  CHECK(d["spec"]["replicas"] == 3);
  CHECK(d["metadata"]["generation"] == 2);
  const json& c = d["spec"]["template"]["spec"]["containers"];
  REQUIRE(c.size() == 1);
  CHECK(c[0]["name"] == "main");
  CHECK(c[0]["image"] == "busybox:1.36");
  CHECK(c[0]["env"] == json::parse(R"([{"name":"FIRST","value":"1"},{"name":"SECOND","value":"2"}])"));
  CHECK(contains(d["metadata"]["annotations"].value("kubectl.kubernetes.io/last-applied-configuration", ""),
                 "\"SECOND\""));
  // Defaults survive the patch.
  CHECK(d["spec"]["strategy"]["type"] == "RollingUpdate");
  CHECK(d["spec"]["template"]["spec"]["restartPolicy"] == "Always");

  // Going back to the first manifest removes the env var that apply added before.
  must(server, {"apply", "-f", first}, "deployment.apps/app configured");
  d = get_json(server, {"deployment", "app"});
  CHECK(d["spec"]["replicas"] == 1);
  CHECK(d["spec"]["template"]["spec"]["containers"][0]["env"] ==
        json::parse(R"([{"name":"FIRST","value":"1"}])"));
}

TEST_CASE("kubectl apply --server-side records kubectl as the field manager") {
  Server server;
  const char* cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  color: red\n";
  std::string file = server.write("ssa.yaml", cm);
  must(server, {"apply", "--server-side", "-f", file}, "configmap/ssa serverside-applied");
  // kubectl hides managedFields unless asked.
  json obj = get_json(server, {"configmap", "ssa", "--show-managed-fields"});
  INFO(obj.dump(2));
  CHECK(obj["data"]["color"] == "red");
  const json& mf = obj["metadata"]["managedFields"];
  REQUIRE(mf.is_array());
  REQUIRE(mf.size() == 1);
  CHECK(mf[0]["manager"] == "kubectl");
  CHECK(mf[0]["operation"] == "Apply");
  CHECK(mf[0]["apiVersion"] == "v1");
  CHECK(mf[0]["fieldsType"] == "FieldsV1");
  CHECK(mf[0]["fieldsV1"].contains("f:data"));

  // Another manager takes the field over; applying again is a conflict until forced.
  must(server, {"patch", "configmap", "ssa", "-p", R"({"data":{"color":"blue"}})"}, "configmap/ssa patched");
  RunResult conflict = server.kubectl({"apply", "--server-side", "-f", file});
  INFO(conflict);
  CHECK(conflict.exit_code == 1);
  CHECK(contains(conflict.err, "Apply failed with 1 conflict: conflict with \"kubectl-patch\""));
  CHECK(jsonpath(server, {"configmap", "ssa"}, "{.data.color}") == "blue");
  must(server, {"apply", "--server-side", "--force-conflicts", "-f", file}, "configmap/ssa serverside-applied");
  CHECK(jsonpath(server, {"configmap", "ssa"}, "{.data.color}") == "red");
}

TEST_CASE("kubectl patch with --type json, merge and strategic") {
  Server server;
  must(server, {"apply", "-f", server.write("app.yaml", kApp)}, "deployment.apps/app created");

  must(server, {"patch", "deployment", "app", "--type=json", "-p", R"([{"op":"replace","path":"/spec/replicas","value":4}])"},
       "deployment.apps/app patched");
  CHECK(jsonpath(server, {"deployment", "app"}, "{.spec.replicas}") == "4");

  must(server, {"patch", "deployment", "app", "--type=merge", "-p", R"({"metadata":{"labels":{"patched":"merge"}}})"},
       "deployment.apps/app patched");
  CHECK(jsonpath(server, {"deployment", "app"}, "{.metadata.labels.patched}") == "merge");

  // A strategic patch merges the container list by name: the env var stays.
  must(server, {"patch", "deployment", "app", "--type=strategic", "-p",
                R"({"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:1.37"}]}}}})"},
       "deployment.apps/app patched");
  json d = get_json(server, {"deployment", "app"});
  const json& c = d["spec"]["template"]["spec"]["containers"];
  REQUIRE(c.size() == 1);
  CHECK(c[0]["image"] == "busybox:1.37");
  CHECK(c[0]["env"] == json::parse(R"([{"name":"FIRST","value":"1"}])"));
  CHECK(d["spec"]["replicas"] == 4);

  // A patch that changes nothing.
  must(server, {"patch", "deployment", "app", "--type=merge", "-p", R"({"spec":{"replicas":4}})"},
       "deployment.apps/app patched (no change)");

  // A JSON patch whose test operation fails is rejected, changes nothing, and kubectl's message
  // says which operation failed.
  RunResult bad = server.kubectl(
      {"patch", "deployment", "app", "--type=json", "-p", R"([{"op":"test","path":"/spec/replicas","value":9}])"});
  INFO(bad);
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.err, "/spec/replicas"));
  CHECK(jsonpath(server, {"deployment", "app"}, "{.spec.replicas}") == "4");
}

TEST_CASE("kubectl replace updates an object; a stale resourceVersion is a Conflict") {
  Server server;
  must(server, {"create", "configmap", "cfg", "--from-literal=level=1"}, "configmap/cfg created");
  json original = get_json(server, {"configmap", "cfg"});
  const std::string rv = original["metadata"]["resourceVersion"];

  json next = original;
  next["data"]["level"] = "2";
  must(server, {"replace", "-f", server.write("cfg2.json", next.dump())}, "configmap/cfg replaced");
  json replaced = get_json(server, {"configmap", "cfg"});
  CHECK(replaced["data"]["level"] == "2");
  CHECK(replaced["metadata"]["resourceVersion"] != rv);
  CHECK(replaced["metadata"]["uid"] == original["metadata"]["uid"]);

  // The same resourceVersion again is stale now.
  json stale = original;
  stale["data"]["level"] = "3";
  RunResult r = server.kubectl({"replace", "-f", server.write("cfg3.json", stale.dump())});
  INFO(r);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "Error from server (Conflict): error when replacing"));
  CHECK(contains(r.err, "Operation cannot be fulfilled on configmaps \"cfg\": the object has been modified; "
                        "please apply your changes to the latest version and try again"));
  CHECK(jsonpath(server, {"configmap", "cfg"}, "{.data.level}") == "2");
}

TEST_CASE("a manifest with an unknown field is rejected with a strict decoding error") {
  Server server;
  const char* bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  bogus: 1\ndata:\n  a: b\n";
  RunResult r = server.kubectl({"create", "-f", server.write("bad.yaml", bad)});
  INFO(r);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "Error from server (BadRequest): error when creating"));
  CHECK(contains(r.err, "strict decoding error: unknown field \"metadata.bogus\""));
  RunResult get = server.kubectl({"get", "configmap", "typo"});
  INFO(get);
  CHECK(get.exit_code == 1);
  CHECK(contains(get.err, "configmaps \"typo\" not found"));

  const char* bad_spec = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
spec:
  replicass: 2
  selector:
    matchLabels: {app: typo}
  template:
    metadata:
      labels: {app: typo}
    spec:
      containers:
      - name: main
        image: busybox
)";
  RunResult a = server.kubectl({"apply", "-f", server.write("bad-deploy.yaml", bad_spec)});
  INFO(a);
  CHECK(a.exit_code == 1);
  CHECK(contains(a.err, "strict decoding error: unknown field \"spec.replicass\""));
}

TEST_CASE("an invalid name is rejected with the 422 Invalid message") {
  Server server;
  const std::string why =
      "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case "
      "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

  // A typed create (protobuf body).
  RunResult typed = server.kubectl({"create", "configmap", "Bad_Name"});
  INFO(typed);
  CHECK(typed.exit_code == 1);
  CHECK(contains(typed.err, "error: failed to create configmap: ConfigMap \"Bad_Name\" is invalid: " + why));

  // From a manifest kubectl prints each cause as "<field>: <message>".
  RunResult file = server.kubectl(
      {"create", "-f", server.write("bad-name.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n")});
  INFO(file);
  CHECK(file.exit_code == 1);
  CHECK(contains(file.err, "The ConfigMap \"Bad_Name\" is invalid: " + why));
  CHECK_FALSE(contains(file.err, "metadata.name: metadata.name:"));

  RunResult list = server.kubectl({"get", "configmaps", "-o", "name"});
  INFO(list);
  CHECK(list.ok());
  CHECK_FALSE(contains(list.out, "Bad_Name"));
}
