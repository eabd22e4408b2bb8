#include "agent/kubelet/pod_status.h"

#include <chrono>

#include "api/timestamp.h"
#include "runtime/pod/pod_spec.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
using runtime::shim::ContainerState;
using runtime::shim::Phase;

json terminated(const ContainerState& s, const std::string& container_id) {
  json t = {{"exitCode", s.exit_code},
            {"reason", s.reason.empty() ? (s.exit_code == 0 ? "Completed" : "Error") : s.reason},
            {"finishedAt", format_ns(s.finished_at_ns)}};
  if (s.started_at_ns > 0) t["startedAt"] = format_ns(s.started_at_ns);
  if (!s.message.empty()) t["message"] = s.message;
  if (!container_id.empty()) t["containerID"] = container_id;
  return {{"terminated", t}};
}

bool has(const json& s, const char* state) { return s.contains("state") && s["state"].contains(state); }
bool last_terminated(const json& s) { return s.contains("lastState") && s["lastState"].contains("terminated"); }

const json* find_status(const json& statuses, const std::string& name) {
  for (const auto& s : statuses)
    if (s.value("name", "") == name) return &s;
  return nullptr;
}

// Go's fmt %s of a []string: "[a b]".
std::string go_list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? " " : "") + names[i];
  return out + "]";
}

bool any_regular_started(const json& spec, const json& statuses) {
  for (const auto& c : spec.value("containers", json::array())) {
    const json* s = find_status(statuses, c.value("name", ""));
    if (s && (has(*s, "running") || has(*s, "terminated") || last_terminated(*s))) return true;
  }
  return false;
}

json condition(const json& previous, const std::string& type, bool status, const std::string& reason,
               const std::string& message, const std::string& now) {
  std::string value = status ? "True" : "False";
  std::string since = now;
  if (previous.is_array()) {
    for (const auto& c : previous) {
      if (c.value("type", "") == type && c.value("status", "") == value && c.contains("lastTransitionTime")) {
        since = c["lastTransitionTime"].get<std::string>();
      }
    }
  }
  json out = {{"type", type}, {"status", value}, {"lastProbeTime", nullptr}, {"lastTransitionTime", since}};
  if (!reason.empty()) out["reason"] = reason;
  if (!message.empty()) out["message"] = message;
  return out;
}

struct Verdict {
  bool status = true;
  std::string reason, message;
};

// GeneratePodInitializedCondition.
Verdict initialized(const json& spec, const json& init_statuses, const json& statuses, const std::string& phase) {
  std::vector<std::string> unknown, incomplete;
  for (const auto& c : spec.value("initContainers", json::array())) {
    std::string name = c.value("name", "");
    const json* s = find_status(init_statuses, name);
    if (!s) {
      unknown.push_back(name);
    } else if (!has(*s, "terminated") || s->at("state").at("terminated").value("exitCode", -1) != 0) {
      incomplete.push_back(name);
    }
  }
  if (phase == "Succeeded" && unknown.empty()) return {true, "PodCompleted", ""};
  if (any_regular_started(spec, statuses)) return {};
  std::string message;
  if (!unknown.empty()) message = "containers with unknown status: " + go_list(unknown);
  if (!incomplete.empty()) {
    message += (message.empty() ? "" : ", ") + std::string("containers with incomplete status: ") + go_list(incomplete);
  }
  if (!message.empty()) return {false, "ContainersNotInitialized", message};
  return {};
}

// GenerateContainersReadyCondition (Ready follows it: no readiness gates here).
Verdict containers_ready(const json& spec, const json& statuses, const std::string& phase) {
  std::vector<std::string> unknown, unready;
  for (const auto& c : spec.value("containers", json::array())) {
    std::string name = c.value("name", "");
    const json* s = find_status(statuses, name);
    if (!s) {
      unknown.push_back(name);
    } else if (!s->value("ready", false)) {
      unready.push_back(name);
    }
  }
  if (phase == "Succeeded" && unknown.empty()) return {false, "PodCompleted", ""};
  if (phase == "Failed") return {false, "PodFailed", ""};
  std::string message;
  if (!unknown.empty()) message = "containers with unknown status: " + go_list(unknown);
  if (!unready.empty()) {
    message += (message.empty() ? "" : ", ") + std::string("containers with unready status: ") + go_list(unready);
  }
  if (!message.empty()) return {false, "ContainersNotReady", message};
  return {};
}

}  // namespace

std::string format_ns(int64_t ns) {
  return api::format_time(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns))));
}

json container_status(const ContainerView& c, bool has_init) {
  bool running = c.state && c.state->phase == Phase::running;
  bool exited = c.state && c.state->phase == Phase::exited;
  json state, last = json::object();
  if (c.last_state && c.last_state->phase == Phase::exited) last = terminated(*c.last_state, "");
  if (running) {
    state = {{"running", {{"startedAt", format_ns(c.state->started_at_ns)}}}};
  } else if (!c.waiting_reason.empty()) {
    json w = {{"reason", c.waiting_reason}};
    if (!c.waiting_message.empty()) w["message"] = c.waiting_message;
    state = {{"waiting", w}};
    if (exited) last = terminated(*c.state, c.container_id);
  } else if (exited) {
    state = terminated(*c.state, c.container_id);
  } else {
    state = {{"waiting", {{"reason", has_init ? "PodInitializing" : "ContainerCreating"}}}};
  }
  json s = {{"name", c.name},
            {"state", state},
            {"lastState", last},
            {"ready", running && c.ready},
            {"restartCount", c.restart_count},
            {"image", c.image},
            {"imageID", c.image_id},
            {"started", running && c.started}};
  if (!c.container_id.empty() && (running || exited)) s["containerID"] = c.container_id;
  return s;
}

std::string pod_phase(const json& spec, const json& init_statuses, const json& statuses) {
  std::string policy = spec.value("restartPolicy", "Always");
  int pending_init = 0, failed_init = 0;
  for (const auto& c : spec.value("initContainers", json::array())) {
    const json* s = find_status(init_statuses, c.value("name", ""));
    if (!s || has(*s, "running")) {
      ++pending_init;
    } else if (has(*s, "terminated")) {
      if ((*s)["state"]["terminated"].value("exitCode", 0) != 0) ++failed_init;
    } else if (has(*s, "waiting")) {
      if (last_terminated(*s)) {
        if ((*s)["lastState"]["terminated"].value("exitCode", 0) != 0) ++failed_init;
      } else {
        ++pending_init;
      }
    } else {
      ++pending_init;
    }
  }
  int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const auto& c : spec.value("containers", json::array())) {
    const json* s = find_status(statuses, c.value("name", ""));
    if (!s) {
      ++unknown;
    } else if (has(*s, "running")) {
      ++running;
    } else if (has(*s, "terminated")) {
      ++stopped;
      if ((*s)["state"]["terminated"].value("exitCode", -1) == 0) ++succeeded;
    } else if (has(*s, "waiting")) {
      if (last_terminated(*s)) {
        ++stopped;
      } else {
        ++waiting;
      }
    } else {
      ++unknown;
    }
  }
  if (failed_init > 0 && policy == "Never") return "Failed";
  if ((pending_init > 0 && !any_regular_started(spec, statuses)) || waiting > 0) return "Pending";
  if (running > 0 && unknown == 0) return "Running";
  if (running == 0 && stopped > 0 && unknown == 0) {
    if (policy == "Always") return "Running";  // all of them are restarting
    if (stopped == succeeded) return "Succeeded";
    if (policy == "Never") return "Failed";
    return "Running";  // OnFailure, restarting the failed ones
  }
  return "Pending";
}

std::string qos_class_name(const json& pod) {
  auto spec = runtime::pod::pod_from_json(pod);
  if (!spec) return "BestEffort";
  switch (runtime::pod::qos_class(*spec)) {
    case runtime::pod::QosClass::guaranteed: return "Guaranteed";
    case runtime::pod::QosClass::burstable: return "Burstable";
    case runtime::pod::QosClass::best_effort: return "BestEffort";
  }
  return "BestEffort";
}

json pod_status(const json& pod, const PodView& view) {
  const json spec = pod.value("spec", json::object());
  const json previous = pod.value("status", json::object());
  bool has_init = !view.init_containers.empty();

  json init_statuses = json::array(), statuses = json::array();
  for (const auto& c : view.init_containers) {
    json s = container_status(c, has_init);
    // An init container is ready once it completed.
    s["ready"] = s["state"].contains("terminated") && s["state"]["terminated"].value("exitCode", -1) == 0;
    init_statuses.push_back(std::move(s));
  }
  for (const auto& c : view.containers) statuses.push_back(container_status(c, has_init));

  std::string phase = pod_phase(spec, init_statuses, statuses);
  std::string previous_phase = previous.value("phase", "");
  // Terminal phases are final (the API server refuses to leave them, too).
  if (previous_phase == "Succeeded" || previous_phase == "Failed") phase = previous_phase;
  if (!view.failed_reason.empty()) phase = "Failed";

  const json old_conditions = previous.value("conditions", json::array());
  Verdict init = initialized(spec, init_statuses, statuses, phase);
  Verdict ready = containers_ready(spec, statuses, phase);
  json conditions = json::array();
  conditions.push_back(condition(old_conditions, "PodReadyToStartContainers", view.sandbox_ready, "", "", view.now));
  conditions.push_back(condition(old_conditions, "Initialized", init.status, init.reason, init.message, view.now));
  conditions.push_back(condition(old_conditions, "Ready", ready.status, ready.reason, ready.message, view.now));
  conditions.push_back(condition(old_conditions, "ContainersReady", ready.status, ready.reason, ready.message, view.now));
  conditions.push_back(condition(old_conditions, "PodScheduled", true, "", "", view.now));

  json status = {{"phase", phase},
                 {"conditions", conditions},
                 {"containerStatuses", statuses},
                 {"hostIP", view.host_ip},
                 {"hostIPs", json::array({{{"ip", view.host_ip}}})},
                 {"qosClass", qos_class_name(pod)}};
  if (has_init) status["initContainerStatuses"] = init_statuses;
  if (!view.failed_reason.empty()) {
    status["reason"] = view.failed_reason;
    status["message"] = view.failed_message;
  }
  if (!view.start_time.empty()) status["startTime"] = view.start_time;
  if (spec.value("hostNetwork", false)) {
    status["podIP"] = view.host_ip;
    status["podIPs"] = json::array({{{"ip", view.host_ip}}});
  } else if (!view.pod_ips.empty()) {
    status["podIP"] = view.pod_ips.front();
    status["podIPs"] = json::array();
    for (const auto& ip : view.pod_ips) status["podIPs"].push_back({{"ip", ip}});
  }
  return status;
}

}  // namespace mk::agent::kubelet
