// The pod status the kubelet writes, from runtime states and worker-known errors.
#include <catch2/catch.hpp>

#include "agent/kubelet/backoff.h"
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
  c.ready = c.started = true;  // no probes
  return c;
}

PodView make_view(const std::string& start_time, std::vector<ContainerView> containers,
                  std::vector<ContainerView> init = {}) {
  PodView v;
  v.host_ip = "10.0.0.5";
  v.start_time = start_time;
  v.now = "2023-11-14T22:13:30Z";
  v.containers = std::move(containers);
  v.init_containers = std::move(init);
  return v;
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

// The phase of a one-container pod whose container is in `state` (as pod_status computes it).
std::string phase_of(const std::string& restart_policy, std::vector<ContainerView> containers) {
  json p = pod(restart_policy);
  p["spec"]["containers"] = json::array();
  for (const auto& c : containers) p["spec"]["containers"].push_back({{"name", c.name}, {"image", "busybox"}});
  return pod_status(p, make_view("", containers))["phase"];
}

ContainerView named(ContainerView c, const std::string& name) {
  c.name = name;
  return c;
}

TEST_CASE("phases follow container states and the restart policy") {
  ContainerState running;
  running.phase = Phase::running;
  CHECK(phase_of("Always", {view_of(std::nullopt)}) == "Pending");
  CHECK(phase_of("Always", {view_of(running)}) == "Running");
  CHECK(phase_of("Never", {view_of(exited(0))}) == "Succeeded");
  CHECK(phase_of("Never", {view_of(exited(3))}) == "Failed");
  CHECK(phase_of("OnFailure", {view_of(exited(3))}) == "Running");
  CHECK(phase_of("OnFailure", {view_of(exited(0))}) == "Succeeded");
  CHECK(phase_of("Always", {view_of(exited(0))}) == "Running");
  CHECK(phase_of("Never", {named(view_of(running), "a"), named(view_of(exited(1)), "b")}) == "Running");
  CHECK(phase_of("Never", {named(view_of(exited(0)), "a"), named(view_of(exited(1)), "b")}) == "Failed");
  // A container waiting in CrashLoopBackOff counts as stopped: the pod keeps Running.
  ContainerView backoff = view_of(exited(1));
  backoff.waiting_reason = "CrashLoopBackOff";
  CHECK(phase_of("Always", {backoff}) == "Running");
  // Waiting without having run (an image pull) keeps it Pending.
  ContainerView pulling = view_of(std::nullopt);
  pulling.waiting_reason = "ErrImagePull";
  CHECK(phase_of("Always", {named(view_of(running), "a"), named(pulling, "b")}) == "Pending");
}

TEST_CASE("a running container makes the pod Ready; an exited one is terminated with its code") {
  ContainerState running;
  running.phase = Phase::running;
  running.started_at_ns = 1'700'000'000'000'000'000;
  PodView view = make_view("2023-11-14T22:13:20Z", {view_of(running)});
  view.containers[0].container_id = "minikube://u1_c";
  json status = pod_status(pod("Always"), view);
  CHECK(status["phase"] == "Running");
  CHECK(status["hostIP"] == "10.0.0.5");
  CHECK_FALSE(status.contains("podIP"));
  CHECK(status["qosClass"] == "BestEffort");
  // The pod network's address, once the pod has one.
  view.pod_ips = {"10.42.0.7"};
  json with_ip = pod_status(pod("Always"), view);
  CHECK(with_ip["podIP"] == "10.42.0.7");
  CHECK(with_ip["podIPs"] == json::array({{{"ip", "10.42.0.7"}}}));
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

  PodView done = make_view("", {view_of(exited(3))});
  json failed = pod_status(pod("Never"), done);
  CHECK(failed["phase"] == "Failed");
  CHECK(failed["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3);
  CHECK(failed["containerStatuses"][0]["state"]["terminated"]["reason"] == "Error");
  CHECK(failed["containerStatuses"][0]["state"]["terminated"]["finishedAt"] == "2023-11-14T22:13:25Z");
  CHECK((*condition(failed, "Ready"))["reason"] == "PodFailed");
  CHECK(pod_status(pod("Never"), make_view("", {view_of(exited(0))}))["conditions"][2]["reason"] == "PodCompleted");
}

TEST_CASE("waiting reasons and hostNetwork pod IPs") {
  ContainerView c = view_of(std::nullopt);
  c.waiting_reason = "ImagePullBackOff";
  c.waiting_message = "no registry";
  json p = pod("Always");
  p["spec"]["hostNetwork"] = true;
  json status = pod_status(p, make_view("", {c}));
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

TEST_CASE("a crash-looping container waits in CrashLoopBackOff with its last run as lastState") {
  ContainerView c = view_of(exited(1));
  c.restart_count = 1;
  c.waiting_reason = "CrashLoopBackOff";
  c.waiting_message = crash_loop_message(std::chrono::seconds(10), "c", format_pod("p", "default", "u1"));
  c.container_id = "minikube://u1_c";
  json status = pod_status(pod("Always"), make_view("", {c}));
  const json& cs = status["containerStatuses"][0];
  CHECK(status["phase"] == "Running");
  CHECK(cs["state"]["waiting"]["reason"] == "CrashLoopBackOff");
  CHECK(cs["state"]["waiting"]["message"] == "back-off 10s restarting failed container=c pod=p_default(u1)");
  CHECK(cs["lastState"]["terminated"]["exitCode"] == 1);
  CHECK(cs["lastState"]["terminated"]["reason"] == "Error");
  CHECK(cs["lastState"]["terminated"]["startedAt"] == "2023-11-14T22:13:20Z");
  CHECK(cs["lastState"]["terminated"]["finishedAt"] == "2023-11-14T22:13:25Z");
  CHECK(cs["restartCount"] == 1);
  CHECK(cs["ready"] == false);
  CHECK((*condition(status, "Ready"))["message"] == "containers with unready status: [c]");

  // Running again after an OOM kill: the kill stays visible as lastState.
  ContainerState running;
  running.phase = Phase::running;
  running.started_at_ns = 1'700'000'010'000'000'000;
  ContainerState oom = exited(137);
  oom.reason = "OOMKilled";
  ContainerView again = view_of(running);
  again.last_state = oom;
  again.restart_count = 2;
  json next = pod_status(pod("Always"), make_view("", {again}));
  CHECK(next["containerStatuses"][0]["state"].contains("running"));
  CHECK(next["containerStatuses"][0]["lastState"]["terminated"]["reason"] == "OOMKilled");
  CHECK(next["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 137);
  CHECK(next["containerStatuses"][0]["restartCount"] == 2);
}

TEST_CASE("readiness and startup decide ready, started and the Ready conditions") {
  ContainerState running;
  running.phase = Phase::running;
  ContainerView c = view_of(running);
  c.ready = false;
  json status = pod_status(pod("Always"), make_view("", {c}));
  CHECK(status["phase"] == "Running");
  CHECK(status["containerStatuses"][0]["ready"] == false);
  CHECK(status["containerStatuses"][0]["started"] == true);
  CHECK((*condition(status, "ContainersReady"))["status"] == "False");
  CHECK((*condition(status, "ContainersReady"))["reason"] == "ContainersNotReady");
  CHECK((*condition(status, "Ready"))["status"] == "False");
  c.ready = true;
  CHECK((*condition(pod_status(pod("Always"), make_view("", {c})), "Ready"))["status"] == "True");
}

TEST_CASE("init containers: Pending with Initialized false until they completed, in order") {
  json p = pod("Always");
  p["spec"]["initContainers"] = json::array({{{"name", "i1"}, {"image", "busybox"}}, {{"name", "i2"}, {"image", "busybox"}}});
  ContainerState running;
  running.phase = Phase::running;

  // i1 runs; i2 and the app container have not started.
  json status = pod_status(p, make_view("", {view_of(std::nullopt)}, {named(view_of(running), "i1"), named(view_of(std::nullopt), "i2")}));
  CHECK(status["phase"] == "Pending");
  CHECK((*condition(status, "Initialized"))["status"] == "False");
  CHECK((*condition(status, "Initialized"))["reason"] == "ContainersNotInitialized");
  CHECK((*condition(status, "Initialized"))["message"] == "containers with incomplete status: [i1 i2]");
  CHECK(status["initContainerStatuses"][0]["state"].contains("running"));
  CHECK(status["initContainerStatuses"][1]["state"]["waiting"]["reason"] == "PodInitializing");
  CHECK(status["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing");

  // Both completed, the app container runs.
  status = pod_status(p, make_view("", {view_of(running)}, {named(view_of(exited(0)), "i1"), named(view_of(exited(0)), "i2")}));
  CHECK(status["phase"] == "Running");
  CHECK((*condition(status, "Initialized"))["status"] == "True");
  CHECK(status["initContainerStatuses"][0]["ready"] == true);
  CHECK(status["initContainerStatuses"][1]["state"]["terminated"]["reason"] == "Completed");

  // A failed init container under Never fails the pod; under Always it is retried (Pending).
  json never = p;
  never["spec"]["restartPolicy"] = "Never";
  std::vector<ContainerView> inits = {named(view_of(exited(2)), "i1"), named(view_of(std::nullopt), "i2")};
  CHECK(pod_status(never, make_view("", {view_of(std::nullopt)}, inits))["phase"] == "Failed");
  ContainerView looping = named(view_of(exited(2)), "i1");
  looping.waiting_reason = "CrashLoopBackOff";
  CHECK(pod_status(p, make_view("", {view_of(std::nullopt)}, {looping, named(view_of(std::nullopt), "i2")}))["phase"] ==
        "Pending");
}

TEST_CASE("activeDeadlineSeconds fails the pod, and a terminal phase is never left") {
  ContainerState running;
  running.phase = Phase::running;
  PodView v = make_view("", {view_of(exited(137))});
  v.failed_reason = "DeadlineExceeded";
  v.failed_message = "Pod was active on the node longer than the specified deadline";
  json status = pod_status(pod("Always"), v);
  CHECK(status["phase"] == "Failed");
  CHECK(status["reason"] == "DeadlineExceeded");
  CHECK(status["message"] == "Pod was active on the node longer than the specified deadline");

  json done = pod("Always");
  done["status"] = {{"phase", "Succeeded"}};
  CHECK(pod_status(done, make_view("", {view_of(running)}))["phase"] == "Succeeded");
}

TEST_CASE("restart back-off: 10s doubling to 300s, forgotten after 10 minutes") {
  using namespace std::chrono;
  const int64_t s = 1'000'000'000;
  Backoff b;
  int64_t t = 1'700'000'000 * s;
  // The first exit restarts at once; the next ones wait 10s, 20s, 40s ...
  CHECK_FALSE(b.in_backoff_since("c", t, t));
  b.next("c", t, t);
  CHECK(b.get("c") == seconds(10));
  t += 2 * s;  // crashed again 2s later
  CHECK(b.in_backoff_since("c", t, t + 1 * s));
  CHECK(b.in_backoff_since("c", t, t + 9 * s));
  CHECK_FALSE(b.in_backoff_since("c", t, t + 10 * s));
  b.next("c", t, t + 10 * s);
  CHECK(b.get("c") == seconds(20));
  for (int i = 0; i < 10; ++i) b.next("c", t, t + 10 * s);
  CHECK(b.get("c") == seconds(300));
  // A container that ran for more than 10 minutes since the last restart starts over at 10s.
  int64_t later = t + 10 * s + 601 * s;
  CHECK_FALSE(b.in_backoff_since("c", later, later));
  b.next("c", later, later);
  CHECK(b.get("c") == seconds(10));
  b.forget("c");
  CHECK(b.get("c") == seconds(0));

  CHECK(go_duration(seconds(10)) == "10s");
  CHECK(go_duration(seconds(80)) == "1m20s");
  CHECK(go_duration(seconds(300)) == "5m0s");
  CHECK(crash_loop_message(seconds(20), "app", format_pod("web", "prod", "abc")) ==
        "back-off 20s restarting failed container=app pod=web_prod(abc)");
}
