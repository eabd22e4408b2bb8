// The pod status the kubelet writes, from runtime states and worker-known errors.
#include <catch2/catch.hpp>

#include "agent/kubelet/image_policy.h"
#include "agent/kubelet/pod_status.h"

using namespace mk::agent::kubelet;
using mk::runtime::shim::ContainerState;
using mk::runtime::shim::Phase;
using nlohmann::json;

namespace {

json pod(const std::string& restart_policy) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "p"}, {"namespace", "default"}, {"uid", "u1"}}},
          {"spec", {{"restartPolicy", restart_policy}, {"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
}

ContainerView view_of(std::optional<ContainerState> state) {
  ContainerView c;
  c.name = "c";
  c.image = "busybox";
  c.state = state;
  return c;
}

ContainerState exited(int code) {
  ContainerState s;
  s.phase = Phase::exited;
  s.exit_code = code;
  s.started_at_ns = 1'700'000'000'000'000'000;
  s.finished_at_ns = 1'700'000'005'000'000'000;
  return s;
}

const json* condition(const json& status, const std::string& type) {
  for (const auto& c : status["conditions"])
    if (c["type"] == type) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("phases follow container states and the restart policy") {
  ContainerState running;
  running.phase = Phase::running;
  CHECK(pod_phase("Always", {view_of(std::nullopt)}) == "Pending");
  CHECK(pod_phase("Always", {view_of(running)}) == "Running");
  CHECK(pod_phase("Never", {view_of(exited(0))}) == "Succeeded");
  CHECK(pod_phase("Never", {view_of(exited(3))}) == "Failed");
  CHECK(pod_phase("OnFailure", {view_of(exited(3))}) == "Running");
  CHECK(pod_phase("OnFailure", {view_of(exited(0))}) == "Succeeded");
  CHECK(pod_phase("Always", {view_of(exited(0))}) == "Running");
  CHECK(pod_phase("Never", {view_of(running), view_of(exited(1))}) == "Running");
}

TEST_CASE("a running container makes the pod Ready; an exited one is terminated with its code") {
  ContainerState running;
  running.phase = Phase::running;
  running.started_at_ns = 1'700'000'000'000'000'000;
  PodView view{"10.0.0.5", "2023-11-14T22:13:20Z", "2023-11-14T22:13:30Z", {view_of(running)}};
  view.containers[0].container_id = "minikube://u1_c";
  json status = pod_status(pod("Always"), view);
  CHECK(status["phase"] == "Running");
  CHECK(status["hostIP"] == "10.0.0.5");
  CHECK_FALSE(status.contains("podIP"));
  CHECK(status["qosClass"] == "BestEffort");
  CHECK((*condition(status, "Ready"))["status"] == "True");
  CHECK((*condition(status, "ContainersReady"))["status"] == "True");
  CHECK((*condition(status, "PodScheduled"))["status"] == "True");
  const json& cs = status["containerStatuses"][0];
  CHECK(cs["ready"] == true);
  CHECK(cs["started"] == true);
  CHECK(cs["containerID"] == "minikube://u1_c");
  CHECK(cs["state"]["running"]["startedAt"] == "2023-11-14T22:13:20Z");

  // Transition times hold while a condition keeps its status.
  json again = pod("Always");
  again["status"] = status;
  view.now = "2023-11-14T22:20:00Z";
  CHECK((*condition(pod_status(again, view), "Ready"))["lastTransitionTime"] == "2023-11-14T22:13:30Z");

  PodView done{"10.0.0.5", "", "2023-11-14T22:13:30Z", {view_of(exited(3))}};
  json failed = pod_status(pod("Never"), done);
  CHECK(failed["phase"] == "Failed");
  CHECK(failed["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3);
  CHECK(failed["containerStatuses"][0]["state"]["terminated"]["reason"] == "Error");
  CHECK(failed["containerStatuses"][0]["state"]["terminated"]["finishedAt"] == "2023-11-14T22:13:25Z");
  CHECK((*condition(failed, "Ready"))["reason"] == "PodCompleted");
}

TEST_CASE("waiting reasons and hostNetwork pod IPs") {
  ContainerView c = view_of(std::nullopt);
  c.waiting_reason = "ImagePullBackOff";
  c.waiting_message = "no registry";
  json p = pod("Always");
  p["spec"]["hostNetwork"] = true;
  json status = pod_status(p, PodView{"10.0.0.5", "", "2023-11-14T22:13:30Z", {c}});
  CHECK(status["phase"] == "Pending");
  CHECK(status["podIP"] == "10.0.0.5");
  CHECK(status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff");
  CHECK(status["containerStatuses"][0]["ready"] == false);
  CHECK((*condition(status, "Ready"))["message"] == "containers with unready status: [c]");
}

TEST_CASE("default pull policies") {
  CHECK(default_pull_policy("busybox") == "Always");
  CHECK(default_pull_policy("busybox:latest") == "Always");
  CHECK(default_pull_policy("busybox:1.36") == "IfNotPresent");
  CHECK(default_pull_policy("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") ==
        "IfNotPresent");
}
