// The controllers and the scheduler driven by the real kubectl: Deployments rolled out,
// scaled, updated and undone; an unfittable pod; Endpoints of a Service; the default
// ServiceAccount of a new namespace. There is no kubelet: the tests create the Node, renew its
// Lease and report pod status themselves.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <thread>

#include "e2e/harness.h"

using mk::e2e::BackgroundCommand;
using mk::e2e::contains;
using mk::e2e::poll_until;
using mk::e2e::RunResult;
using mk::e2e::Server;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string micro_now() {
  std::string s = now_rfc3339();
  return s.substr(0, s.size() - 1) + ".000000Z";
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

RunResult must(Server& server, const std::vector<std::string>& args, std::chrono::milliseconds timeout = 60s) {
  RunResult r = server.kubectl(args, timeout);
  INFO(r);
  REQUIRE(r.ok());
  return r;
}

// A Node with `cpu` allocatable and Ready=True, and its Lease, renewed by a thread as a kubelet
// would renew it, so the node lifecycle controller keeps it healthy whatever the test's length.
class FakeNode {
 public:
  FakeNode(Server& server, const std::string& name, const std::string& cpu) : server_(server), name_(name) {
    std::string manifest = R"(apiVersion: v1
kind: Node
metadata:
  name: )" + name + R"(
  labels:
    kubernetes.io/hostname: )" + name + R"(
    kubernetes.io/os: linux
)";
    must(server, {"create", "-f", server.write(name + "-node.yaml", manifest)});
    json status = {{"status",
                    {{"capacity", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
                     {"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
                     {"conditions",
                      json::array({{{"type", "Ready"},
                                    {"status", "True"},
                                    {"reason", "KubeletReady"},
                                    {"message", "kubelet is posting ready status"},
                                    {"lastHeartbeatTime", now_rfc3339()},
                                    {"lastTransitionTime", now_rfc3339()}}})}}}};
    must(server, {"patch", "node", name, "--subresource=status", "--type=merge", "-p", status.dump()});
    std::string lease = R"(apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: )" + name + R"(
  namespace: kube-node-lease
spec:
  holderIdentity: )" + name + R"(
  leaseDurationSeconds: 40
  renewTime: ")" + micro_now() + R"("
)";
    if (!server.kubectl({"get", "namespace", "kube-node-lease"}).ok())
      must(server, {"create", "namespace", "kube-node-lease"});
    must(server, {"create", "-f", server.write(name + "-lease.yaml", lease)});
    renewer_ = std::thread([this] {
      while (!stop_) {
        for (int i = 0; i < 50 && !stop_; ++i) std::this_thread::sleep_for(100ms);  // the renew interval
        if (stop_) break;
        json patch = {{"spec", {{"renewTime", micro_now()}}}};
        server_.kubectl({"patch", "lease", name_, "-n", "kube-node-lease", "--type=merge", "-p", patch.dump()});
      }
    });
  }
  ~FakeNode() {
    stop_ = true;
    renewer_.join();
  }

 private:
  Server& server_;
  std::string name_;
  std::atomic<bool> stop_{false};
  std::thread renewer_;
};

std::vector<json> pods_of(Server& server, const std::string& selector) {
  json list = get_json(server, {"pods", "-l", selector});
  std::vector<json> out;
  for (auto& p : list["items"]) out.push_back(p);
  return out;
}

bool ready(const json& pod) {
  for (const auto& c : pod["status"].value("conditions", json::array()))
    if (c.value("type", "") == "Ready" && c.value("status", "") == "True") return true;
  return false;
}

// Plays the kubelet: every bound, live pod matching `selector` is reported Running and Ready
// with an IP.
void report_ready(Server& server, const std::string& selector) {
  int n = 0;
  for (const auto& p : pods_of(server, selector)) {
    ++n;
    if (p["spec"].value("nodeName", "").empty() || p["metadata"].contains("deletionTimestamp") || ready(p)) continue;
    json status = {{"status",
                    {{"phase", "Running"},
                     {"podIP", "10.42.0." + std::to_string(10 + n)},
                     {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now_rfc3339()}}})}}}};
    server.kubectl({"patch", "pod", p["metadata"]["name"].get<std::string>(), "--subresource=status", "--type=merge",
                    "-p", status.dump()});
  }
}

// Plays the kubelet for pods being deleted: they go once their containers would have stopped.
void finish_terminating(Server& server, const std::string& selector) {
  for (const auto& p : pods_of(server, selector))
    if (p["metadata"].contains("deletionTimestamp"))
      server.kubectl({"delete", "pod", p["metadata"]["name"].get<std::string>(), "--grace-period=0", "--force"});
}

// `kubectl rollout status` until it finishes, reporting pods ready meanwhile.
void rollout(Server& server, const std::string& deployment, const std::string& selector) {
  auto bg = server.kubectl_background({"rollout", "status", "deployment/" + deployment, "--timeout=60s"});
  bool done = poll_until(
      [&] {
        report_ready(server, selector);
        finish_terminating(server, selector);
        return !bg->running();
      },
      75s);
  RunResult r = bg->stop();
  INFO(r);
  REQUIRE(done);
  REQUIRE(r.ok());
  CHECK(contains(r.out, "successfully rolled out"));
}

std::vector<json> replicasets(Server& server, const std::string& selector) {
  json list = get_json(server, {"replicasets", "-l", selector});
  std::vector<json> out;
  for (auto& rs : list["items"]) out.push_back(rs);
  return out;
}

size_t live_pods(Server& server, const std::string& selector) {
  size_t n = 0;
  for (const auto& p : pods_of(server, selector))
    if (!p["metadata"].contains("deletionTimestamp")) ++n;
  return n;
}

}  // namespace

TEST_CASE("a deployment is scheduled, rolled out, scaled, updated, undone and deleted") {
  Server server;
  FakeNode node(server, "node-1", "4");
  must(server, {"create", "deployment", "web", "--image=busybox:1.36", "--replicas=2"});

  // ReplicaSet and pods, bound to the node.
  REQUIRE(poll_until(
      [&] {
        auto pods = pods_of(server, "app=web");
        if (pods.size() != 2) return false;
        for (const auto& p : pods)
          if (p["spec"].value("nodeName", "") != "node-1") return false;
        return true;
      },
      30s));
  auto sets = replicasets(server, "app=web");
  REQUIRE(sets.size() == 1);
  const std::string first_rs = sets[0]["metadata"]["name"];
  CHECK(first_rs.rfind("web-", 0) == 0);
  const std::string hash = sets[0]["metadata"]["labels"].value("pod-template-hash", "");
  CHECK(first_rs == "web-" + hash);
  CHECK(sets[0]["metadata"]["annotations"].value("deployment.kubernetes.io/revision", "") == "1");
  auto pods = pods_of(server, "app=web");
  for (const auto& p : pods) {
    const std::string name = p["metadata"]["name"];
    CHECK(name.size() == first_rs.size() + 6);
    CHECK(name.rfind(first_rs + "-", 0) == 0);
    CHECK(p["metadata"]["ownerReferences"][0]["name"] == first_rs);
    CHECK(p["metadata"]["ownerReferences"][0]["controller"] == true);
    CHECK(p["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] == true);
  }
  const std::string pod0 = pods[0]["metadata"]["name"];
  REQUIRE(poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "events", "--field-selector", "involvedObject.name=" + pod0, "-o",
                                      "jsonpath={.items[*].message}"});
        return r.ok() && contains(r.out, "Successfully assigned default/" + pod0 + " to node-1");
      },
      20s));

  rollout(server, "web", "app=web");
  json d = get_json(server, {"deployment", "web"});
  CHECK(d["status"]["readyReplicas"] == 2);
  CHECK(d["status"]["updatedReplicas"] == 2);
  bool progressed = false;
  for (const auto& c : d["status"]["conditions"])
    if (c["type"] == "Progressing" && c["reason"] == "NewReplicaSetAvailable") progressed = true;
  CHECK(progressed);

  // Scale.
  must(server, {"scale", "deployment/web", "--replicas=3"});
  REQUIRE(poll_until([&] { return live_pods(server, "app=web") == 3; }, 30s));
  rollout(server, "web", "app=web");

  // A new image: a second ReplicaSet takes over.
  must(server, {"set", "image", "deployment/web", "busybox=busybox:1.37"});
  rollout(server, "web", "app=web");
  sets = replicasets(server, "app=web");
  REQUIRE(sets.size() == 2);
  for (const auto& rs : sets) {
    if (rs["metadata"]["name"] == first_rs) CHECK(rs["spec"]["replicas"] == 0);
    else CHECK(rs["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.37");
  }
  CHECK(live_pods(server, "app=web") == 3);

  // Undo: back to the first template and its ReplicaSet, as revision 3.
  must(server, {"rollout", "undo", "deployment/web"});
  rollout(server, "web", "app=web");
  d = get_json(server, {"deployment", "web"});
  CHECK(d["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.36");
  CHECK(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3");
  sets = replicasets(server, "app=web");
  REQUIRE(sets.size() == 2);
  for (const auto& rs : sets) {
    if (rs["metadata"]["name"] == first_rs) {
      CHECK(rs["spec"]["replicas"] == 3);
      CHECK(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3");
    } else {
      CHECK(rs["spec"]["replicas"] == 0);
    }
  }
  RunResult history = must(server, {"rollout", "history", "deployment/web"});
  CHECK(contains(history.out, "2 "));
  CHECK(contains(history.out, "3 "));

  // Deleting the deployment takes its ReplicaSets and pods along.
  must(server, {"delete", "deployment", "web"});
  REQUIRE(poll_until(
      [&] {
        finish_terminating(server, "app=web");
        return replicasets(server, "app=web").empty() && pods_of(server, "app=web").empty();
      },
      45s));
}

TEST_CASE("a pod that fits no node gets FailedScheduling, and is placed once a node with room appears") {
  Server server;
  FakeNode small(server, "small", "2");
  std::string pod = R"(apiVersion: v1
kind: Pod
metadata:
  name: big
spec:
  containers:
  - name: c
    image: busybox:1.36
    resources:
      requests:
        cpu: "3"
)";
  must(server, {"create", "-f", server.write("big.yaml", pod)});
  const std::string expected =
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims "
      "found for incoming pod.";
  REQUIRE(poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "events", "--field-selector", "involvedObject.name=big,reason=FailedScheduling",
                                      "-o", "jsonpath={.items[*].message}"});
        return r.ok() && contains(r.out, expected);
      },
      20s));
  json p = get_json(server, {"pod", "big"});
  CHECK(p["spec"].value("nodeName", "") == "");
  bool condition = false;
  for (const auto& c : p["status"].value("conditions", json::array()))
    if (c["type"] == "PodScheduled" && c["status"] == "False" && c["reason"] == "Unschedulable" && c["message"] == expected)
      condition = true;
  CHECK(condition);
  RunResult describe = must(server, {"describe", "pod", "big"});
  CHECK(contains(describe.out, "FailedScheduling"));

  FakeNode large(server, "large", "8");
  REQUIRE(poll_until([&] { return get_json(server, {"pod", "big"})["spec"].value("nodeName", "") == "large"; }, 30s));
}

TEST_CASE("a service's Endpoints list its ready pods; a new namespace gets its default ServiceAccount") {
  Server server;
  must(server, {"create", "namespace", "team"});
  REQUIRE(poll_until([&] { return server.kubectl({"get", "serviceaccount", "default", "-n", "team"}).ok(); }, 20s));

  FakeNode node(server, "node-1", "4");
  for (const std::string name : {"api-a", "api-b"}) {
    std::string manifest = R"(apiVersion: v1
kind: Pod
metadata:
  name: )" + name + R"(
  labels: {app: api}
spec:
  containers:
  - name: c
    image: busybox:1.36
    ports:
    - name: http
      containerPort: 8080
)";
    must(server, {"create", "-f", server.write(name + ".yaml", manifest)});
  }
  std::string svc = R"(apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
  - name: web
    port: 80
    targetPort: http
)";
  must(server, {"create", "-f", server.write("svc.yaml", svc)});
  json ready_status = {{"status",
                        {{"phase", "Running"},
                         {"podIP", "10.42.0.21"},
                         {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
  json unready_status = {{"status",
                          {{"phase", "Running"},
                           {"podIP", "10.42.0.22"},
                           {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})}}}};
  must(server, {"patch", "pod", "api-a", "--subresource=status", "--type=merge", "-p", ready_status.dump()});
  must(server, {"patch", "pod", "api-b", "--subresource=status", "--type=merge", "-p", unready_status.dump()});

  REQUIRE(poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "endpoints", "api", "-o",
                                      "jsonpath={.subsets[0].addresses[*].ip}/{.subsets[0].notReadyAddresses[*].ip}/"
                                      "{.subsets[0].ports[0].port}"});
        return r.ok() && r.out == "10.42.0.21/10.42.0.22/8080";
      },
      20s));
  RunResult eps = must(server, {"get", "endpoints", "api"});
  CHECK(contains(eps.out, "10.42.0.21:8080"));
  REQUIRE(poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "endpointslices", "-l", "kubernetes.io/service-name=api", "-o",
                                      "jsonpath={.items[0].endpoints[*].addresses[0]}"});
        return r.ok() && contains(r.out, "10.42.0.21") && contains(r.out, "10.42.0.22");
      },
      20s));

  // The second pod turns ready: both addresses are ready.
  unready_status["status"]["conditions"][0]["status"] = "True";
  must(server, {"patch", "pod", "api-b", "--subresource=status", "--type=merge", "-p", unready_status.dump()});
  REQUIRE(poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "endpoints", "api", "-o", "jsonpath={.subsets[0].addresses[*].ip}"});
        return r.ok() && r.out == "10.42.0.21 10.42.0.22";
      },
      20s));
}
