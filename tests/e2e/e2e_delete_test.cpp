// `kubectl delete` with each --cascade mode (an owner Deployment with a dependent ReplicaSet),
// and `kubectl delete namespace` taking everything inside it along.
#include <catch2/catch.hpp>

#include "e2e/harness.h"

using mk::e2e::contains;
using mk::e2e::poll_until;
using mk::e2e::RunResult;
using mk::e2e::Server;
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

bool gone(Server& server, const std::string& kind, const std::string& name, const std::string& ns = "default") {
  RunResult r = server.kubectl({"get", kind, name, "-n", ns, "-o", "name"});
  return r.exit_code == 1 && contains(r.err, "(NotFound)");
}

// A Deployment "owner" and a ReplicaSet "owner-rs" that names it as its controlling owner.
void create_owner_and_dependent(Server& server) {
  RunResult d = server.kubectl({"create", "deployment", "owner", "--image=busybox:1.36"});
  INFO(d);
  REQUIRE(d.ok());
  std::string uid = jsonpath(server, {"deployment", "owner"}, "{.metadata.uid}");
  REQUIRE_FALSE(uid.empty());
  std::string rs = R"(apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: owner-rs
  labels: {app: owner}
  ownerReferences:
  - apiVersion: apps/v1
    kind: Deployment
    name: owner
    uid: )" + uid + R"(
    controller: true
    blockOwnerDeletion: true
spec:
  replicas: 0
  selector:
    matchLabels: {app: owner}
  template:
    metadata:
      labels: {app: owner}
    spec:
      containers:
      - name: busybox
        image: busybox:1.36
)";
  RunResult r = server.kubectl({"create", "-f", server.write("rs.yaml", rs)});
  INFO(r);
  REQUIRE(r.ok());
  REQUIRE(jsonpath(server, {"replicaset", "owner-rs"}, "{.metadata.ownerReferences[0].name}") == "owner");
}

// kubectl waits for the deletion to finish; give it a bound so a hang is a failure, not a timeout.
RunResult delete_owner(Server& server, const std::string& cascade) {
  return server.kubectl({"delete", "deployment", "owner", "--cascade=" + cascade, "--timeout=15s"}, 40s);
}

}  // namespace

TEST_CASE("kubectl delete --cascade=background removes the owner at once and its dependents afterwards") {
  Server server;
  create_owner_and_dependent(server);
  RunResult r = delete_owner(server, "background");
  INFO(r);
  REQUIRE(r.ok());
  CHECK(r.out == "deployment.apps \"owner\" deleted\n");
  CHECK(gone(server, "deployment", "owner"));
  CHECK(poll_until([&] { return gone(server, "replicaset", "owner-rs"); }, 20s));
}

TEST_CASE("kubectl delete --cascade=foreground returns once the owner and its dependents are gone") {
  Server server;
  create_owner_and_dependent(server);
  RunResult r = delete_owner(server, "foreground");
  INFO(r);
  CHECK(r.ok());
  CHECK(r.out == "deployment.apps \"owner\" deleted\n");
  CHECK(gone(server, "deployment", "owner"));
  CHECK(gone(server, "replicaset", "owner-rs"));
}

TEST_CASE("kubectl delete --cascade=orphan removes the owner and keeps its dependents") {
  Server server;
  create_owner_and_dependent(server);
  RunResult r = delete_owner(server, "orphan");
  INFO(r);
  CHECK(r.ok());
  CHECK(r.out == "deployment.apps \"owner\" deleted\n");
  CHECK(gone(server, "deployment", "owner"));
  // The dependent stays, without the owner reference.
  REQUIRE_FALSE(gone(server, "replicaset", "owner-rs"));
  CHECK(poll_until([&] { return jsonpath(server, {"replicaset", "owner-rs"}, "{.metadata.ownerReferences}").empty(); },
                   20s));
}

TEST_CASE("kubectl delete of an object without dependents returns at once in every cascade mode") {
  Server server;
  for (std::string cascade : {"background", "foreground", "orphan"}) {
    std::string name = "solo-" + cascade;
    RunResult c = server.kubectl({"create", "configmap", name, "--from-literal=k=v"});
    INFO(c);
    REQUIRE(c.ok());
    RunResult r = server.kubectl({"delete", "configmap", name, "--cascade=" + cascade, "--timeout=15s"}, 40s);
    INFO(r);
    CHECK(r.ok());
    CHECK(r.out == "configmap \"" + name + "\" deleted\n");
    CHECK(gone(server, "configmap", name));
  }
}

TEST_CASE("kubectl delete namespace removes everything in it") {
  Server server;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"create", "namespace", "doomed"},
           {"create", "configmap", "cfg", "-n", "doomed", "--from-literal=k=v"},
           {"create", "secret", "generic", "pw", "-n", "doomed", "--from-literal=k=v"},
           {"create", "deployment", "web", "-n", "doomed", "--image=nginx:1.27"},
           {"create", "service", "clusterip", "web", "-n", "doomed", "--tcp=80:80"},
           {"create", "namespace", "kept"},
           {"create", "configmap", "cfg", "-n", "kept", "--from-literal=k=v"}}) {
    RunResult r = server.kubectl(args);
    INFO(r);
    REQUIRE(r.ok());
  }
  RunResult pod = server.kubectl({"run", "box", "-n", "doomed", "--image=busybox", "--restart=Never", "--", "sleep", "1"});
  INFO(pod);
  REQUIRE(pod.ok());

  RunResult r = server.kubectl({"delete", "namespace", "doomed", "--timeout=60s"}, 90s);
  INFO(r);
  REQUIRE(r.ok());
  CHECK(r.out == "namespace \"doomed\" deleted\n");

  RunResult ns = server.kubectl({"get", "namespace", "doomed"});
  INFO(ns);
  CHECK(ns.exit_code == 1);
  CHECK(contains(ns.err, "Error from server (NotFound): namespaces \"doomed\" not found"));

  std::string left = jsonpath(server, {"configmaps,secrets,deployments,services,pods", "-A"},
                              "{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}");
  INFO(left);
  CHECK_FALSE(contains(left, "/doomed/"));
  CHECK(contains(left, "ConfigMap/kept/cfg"));

  RunResult in = server.kubectl({"get", "configmaps", "-n", "doomed"});
  INFO(in);
  CHECK(in.ok());
  CHECK(in.err == "No resources found in doomed namespace.\n");
}
