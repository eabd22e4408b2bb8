// The scheduler's filters, scores and failure message over typed views of pods and nodes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "server/scheduler/cache.h"
#include "server/scheduler/filters.h"
#include "server/scheduler/fit_error.h"
#include "server/scheduler/scores.h"
#include "server/scheduler/types.h"

using nlohmann::json;
using namespace mk::scheduler;

namespace {

json node_json(const std::string& name, const std::string& cpu, const std::string& memory, int pods = 110) {
  return {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"status", {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", std::to_string(pods)}}}}}};
}

json pod_json(const std::string& cpu, const std::string& memory) {
  json c = {{"name", "c"}, {"image", "busybox"}};
  json req = json::object();
  if (!cpu.empty()) req["cpu"] = cpu;
  if (!memory.empty()) req["memory"] = memory;
  if (!req.empty()) c["resources"] = {{"requests", req}};
  return {{"metadata", {{"name", "p"}, {"namespace", "default"}}}, {"spec", {{"containers", json::array({c})}}}};
}

}  // namespace

TEST_CASE("pod requests: containers summed, init containers as a maximum, overhead added") {
  json pod = pod_json("250m", "64Mi");
  pod["spec"]["containers"].push_back({{"name", "d"}, {"resources", {{"requests", {{"cpu", "1"}}}}}});
  pod["spec"]["initContainers"] = json::array({{{"name", "i"}, {"resources", {{"requests", {{"cpu", "2"}}}}}}});
  pod["spec"]["overhead"] = {{"memory", "1Mi"}};
  PodInfo p = pod_info(pod);
  CHECK(p.requests.milli_cpu == 2000);
  CHECK(p.requests.memory == 65 * 1024 * 1024);
  CHECK(p.requests.pods == 1);
  // Scoring counts a container without requests as 100m / 200Mi.
  CHECK(p.score_milli_cpu == 1250);
  CHECK(p.score_memory == 64 * 1024 * 1024 + 200 * 1024 * 1024);
}

TEST_CASE("resource fit: cpu, memory and the pod count against what is left") {
  NodeInfo n = node_info(node_json("n1", "2", "1Gi", 2));
  CHECK(fit_resources(pod_info(pod_json("2", "1Gi")), n).empty());
  CHECK(fit_resources(pod_info(pod_json("3", "")), n) == std::vector<std::string>{"Insufficient cpu"});
  CHECK(fit_resources(pod_info(pod_json("3", "2Gi")), n) ==
        std::vector<std::string>{"Insufficient cpu", "Insufficient memory"});
  account(n, pod_info(pod_json("1500m", "")), 1);
  CHECK(fit_resources(pod_info(pod_json("600m", "")), n) == std::vector<std::string>{"Insufficient cpu"});
  CHECK(fit_resources(pod_info(pod_json("500m", "")), n).empty());
  account(n, pod_info(pod_json("", "")), 1);
  CHECK(fit_resources(pod_info(pod_json("", "")), n) == std::vector<std::string>{"Too many pods"});
  account(n, pod_info(pod_json("1500m", "")), -1);
  CHECK(n.requested.milli_cpu == 0);
  CHECK(n.requested.pods == 1);
}

TEST_CASE("node selector and required node affinity") {
  json node = node_json("n1", "4", "4Gi");
  node["metadata"]["labels"]["disk"] = "ssd";
  node["metadata"]["labels"]["cores"] = "8";
  NodeInfo n = node_info(node);
  json pod = pod_json("", "");
  pod["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  CHECK(filter(pod_info(pod), n).empty());
  pod["spec"]["nodeSelector"] = {{"disk", "hdd"}};
  CHECK(filter(pod_info(pod), n) == std::vector<std::string>{kReasonAffinity});

  auto with_terms = [](json terms) {
    json pod = pod_json("", "");
    pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] = terms;
    return pod_info(pod);
  };
  auto expr = [](const std::string& key, const std::string& op, json values = json::array()) {
    json e = {{"key", key}, {"operator", op}};
    if (!values.empty()) e["values"] = values;
    return json::array({{{"matchExpressions", json::array({e})}}});
  };
  CHECK(matches_required_affinity(with_terms(expr("disk", "In", {"ssd", "nvme"})), n));
  CHECK_FALSE(matches_required_affinity(with_terms(expr("disk", "NotIn", {"ssd"})), n));
  CHECK(matches_required_affinity(with_terms(expr("disk", "Exists")), n));
  CHECK_FALSE(matches_required_affinity(with_terms(expr("gpu", "Exists")), n));
  CHECK(matches_required_affinity(with_terms(expr("gpu", "DoesNotExist")), n));
  CHECK(matches_required_affinity(with_terms(expr("cores", "Gt", {"4"})), n));
  CHECK_FALSE(matches_required_affinity(with_terms(expr("cores", "Lt", {"4"})), n));
  CHECK_FALSE(matches_required_affinity(with_terms(expr("disk", "Gt", {"4"})), n));  // not an integer
  json fields = json::array({{{"matchFields", json::array({{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"n1"}}}})}}});
  CHECK(matches_required_affinity(with_terms(fields), n));
  fields[0]["matchFields"][0]["values"] = {"n2"};
  CHECK_FALSE(matches_required_affinity(with_terms(fields), n));
  // Terms are ORed; an empty term matches nothing.
  json terms = expr("gpu", "Exists");
  terms.push_back(expr("disk", "In", {"ssd"})[0]);
  CHECK(matches_required_affinity(with_terms(terms), n));
  CHECK_FALSE(matches_required_affinity(with_terms(json::array({json::object()})), n));
}

TEST_CASE("taints: NoSchedule and NoExecute filter, PreferNoSchedule only scores") {
  json node = node_json("n1", "4", "4Gi");
  node["spec"]["taints"] = json::array({{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoSchedule"}}});
  NodeInfo n = node_info(node);
  json pod = pod_json("", "");
  CHECK(filter(pod_info(pod), n) == std::vector<std::string>{"node(s) had untolerated taint {dedicated: db}"});
  pod["spec"]["tolerations"] = json::array({{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "db"}}});
  CHECK(filter(pod_info(pod), n).empty());
  pod["spec"]["tolerations"] = json::array({{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "web"}}});
  CHECK_FALSE(filter(pod_info(pod), n).empty());
  pod["spec"]["tolerations"] = json::array({{{"operator", "Exists"}}});
  CHECK(filter(pod_info(pod), n).empty());
  pod["spec"]["tolerations"] = json::array({{{"key", "dedicated"}, {"operator", "Exists"}, {"effect", "NoExecute"}}});
  CHECK_FALSE(filter(pod_info(pod), n).empty());

  node["spec"]["taints"] = json::array({{{"key", "spot"}, {"effect", "PreferNoSchedule"}}});
  NodeInfo preferred = node_info(node);
  NodeInfo plain = node_info(node_json("n2", "4", "4Gi"));
  PodInfo p = pod_info(pod_json("", ""));
  CHECK(filter(p, preferred).empty());
  CHECK(intolerable_prefer_no_schedule(p, preferred) == 1);
  auto scores = score_nodes(p, {&preferred, &plain});
  CHECK(scores[1].score > scores[0].score);
}

TEST_CASE("unschedulable nodes and host ports") {
  json node = node_json("n1", "4", "4Gi");
  node["spec"]["unschedulable"] = true;
  NodeInfo n = node_info(node);
  json pod = pod_json("", "");
  CHECK(filter(pod_info(pod), n) == std::vector<std::string>{kReasonUnschedulable});
  pod["spec"]["tolerations"] =
      json::array({{{"key", "node.kubernetes.io/unschedulable"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}});
  CHECK(filter(pod_info(pod), n).empty());

  NodeInfo m = node_info(node_json("n2", "4", "4Gi"));
  json web = pod_json("", "");
  web["spec"]["containers"][0]["ports"] = json::array({{{"containerPort", 80}, {"hostPort", 8080}}});
  account(m, pod_info(web), 1);
  CHECK(filter(pod_info(web), m) == std::vector<std::string>{kReasonPorts});
  json udp = web;
  udp["spec"]["containers"][0]["ports"][0]["protocol"] = "UDP";
  CHECK(filter(pod_info(udp), m).empty());
  json other = web;
  other["spec"]["containers"][0]["ports"][0]["hostPort"] = 8081;
  CHECK(filter(pod_info(other), m).empty());
}

TEST_CASE("scores: least allocated and balanced allocation prefer the emptier, evener node") {
  NodeInfo empty = node_info(node_json("a", "4", "8Gi"));
  NodeInfo busy = node_info(node_json("b", "4", "8Gi"));
  account(busy, pod_info(pod_json("3", "1Gi")), 1);
  PodInfo p = pod_info(pod_json("1", "2Gi"));
  CHECK(least_allocated_score(p, empty) == 75);  // cpu (4-1)/4 and memory (8-2)/8 left free
  CHECK(least_allocated_score(p, empty) > least_allocated_score(p, busy));
  CHECK(balanced_allocation_score(p, empty) == 100);  // 1/4 cpu and 2/8 memory: even
  CHECK(balanced_allocation_score(p, busy) < 100);
  auto s = score_nodes(p, {&empty, &busy});
  CHECK(s[0].score > s[1].score);
}

TEST_CASE("failure message as upstream prints it") {
  CHECK(fit_error_message({{"Insufficient cpu"}}) ==
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption "
        "victims found for incoming pod.");
  CHECK(fit_error_message({{kReasonUnschedulable}, {"Too many pods"}, {"Too many pods"}}) ==
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 Too many pods. preemption: 0/3 nodes are "
        "available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.");
  CHECK(fit_error_message({}) == "no nodes available to schedule pods");
}

TEST_CASE("cache: assumed pods count until the informer confirms or the binding fails") {
  Cache c;
  c.set_node(node_info(node_json("n1", "2", "1Gi")));
  PodInfo p = pod_info(pod_json("1", ""));
  p.node_name = "n1";
  c.assume("default/p", p);
  CHECK(c.nodes().at("n1").requested.milli_cpu == 1000);
  // The informer still shows the pod unbound: the assumption stands.
  PodInfo unbound = pod_info(pod_json("1", ""));
  CHECK_FALSE(c.set_pod("default/p", &unbound));
  CHECK(c.nodes().at("n1").requested.milli_cpu == 1000);
  // Confirmed, then deleted: the room comes back.
  CHECK_FALSE(c.set_pod("default/p", &p));
  CHECK(c.nodes().at("n1").requested.milli_cpu == 1000);
  CHECK(c.set_pod("default/p", nullptr));
  CHECK(c.nodes().at("n1").requested.milli_cpu == 0);
  // A node that appears later picks up the pods already bound to it.
  PodInfo q = pod_info(pod_json("500m", ""));
  q.node_name = "n2";
  c.set_pod("default/q", &q);
  c.set_node(node_info(node_json("n2", "2", "1Gi")));
  CHECK(c.nodes().at("n2").requested.milli_cpu == 500);
  // A failed binding forgets the assumption.
  c.assume("default/r", p);
  c.forget("default/r");
  CHECK(c.nodes().at("n1").requested.milli_cpu == 0);
}
