#include "agent/kubelet/pod_status.h"

#include <chrono>

#include "api/timestamp.h"
#include "runtime/pod/pod_spec.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
using runtime::shim::Phase;

bool is_running(const ContainerView& c) { return c.state && c.state->phase == Phase::running; }
bool is_exited(const ContainerView& c) { return c.state && c.state->phase == Phase::exited; }

json container_state(const ContainerView& c) {
  if (is_running(c)) return {{"running", {{"startedAt", format_ns(c.state->started_at_ns)}}}};
  if (is_exited(c)) {
    json t = {{"exitCode", c.state->exit_code},
              {"reason", c.state->reason.empty() ? (c.state->exit_code == 0 ? "Completed" : "Error") : c.state->reason},
              {"finishedAt", format_ns(c.state->finished_at_ns)}};
    if (c.state->started_at_ns > 0) t["startedAt"] = format_ns(c.state->started_at_ns);
    if (!c.state->message.empty()) t["message"] = c.state->message;
    if (!c.container_id.empty()) t["containerID"] = c.container_id;
    return {{"terminated", t}};
  }
  json w = {{"reason", c.waiting_reason.empty() ? "ContainerCreating" : c.waiting_reason}};
  if (!c.waiting_message.empty()) w["message"] = c.waiting_message;
  return {{"waiting", w}};
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

}  // namespace

std::string format_ns(int64_t ns) {
  return api::format_time(std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns))));
}

std::string pod_phase(const std::string& restart_policy, const std::vector<ContainerView>& containers) {
  int running = 0, exited = 0, succeeded = 0;
  for (const auto& c : containers) {
    if (is_running(c)) ++running;
    if (is_exited(c)) {
      ++exited;
      if (c.state->exit_code == 0) ++succeeded;
    }
  }
  if (containers.empty()) return "Pending";
  if (exited == static_cast<int>(containers.size())) {
    std::string policy = restart_policy.empty() ? "Always" : restart_policy;
    if (policy == "Always") return "Running";  // they are restarted
    if (succeeded == exited) return "Succeeded";
    return policy == "OnFailure" ? "Running" : "Failed";
  }
  if (running + exited == static_cast<int>(containers.size()) && running > 0) return "Running";
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
  std::string phase = pod_phase(spec.value("restartPolicy", "Always"), view.containers);

  json statuses = json::array();
  std::vector<std::string> unready;
  for (const auto& c : view.containers) {
    bool running = is_running(c);
    json s = {{"name", c.name},
              {"state", container_state(c)},
              {"ready", running},
              {"restartCount", c.restart_count},
              {"image", c.image},
              {"imageID", c.image_id},
              {"started", running}};
    if (!c.container_id.empty()) s["containerID"] = c.container_id;
    statuses.push_back(std::move(s));
    if (!running) unready.push_back(c.name);
  }

  const json old_conditions = previous.value("conditions", json::array());
  bool ready = unready.empty() && !view.containers.empty();
  std::string reason, message;
  if (!ready) {
    bool completed = phase == "Succeeded" || phase == "Failed";
    reason = completed ? "PodCompleted" : "ContainersNotReady";
    if (!completed) {
      message = "containers with unready status: [";
      for (size_t i = 0; i < unready.size(); ++i) message += (i ? " " : "") + unready[i];
      message += "]";
    }
  }
  json conditions = json::array();
  conditions.push_back(condition(old_conditions, "PodScheduled", true, "", "", view.now));
  conditions.push_back(condition(old_conditions, "Initialized", true, "", "", view.now));
  conditions.push_back(condition(old_conditions, "ContainersReady", ready, reason, message, view.now));
  conditions.push_back(condition(old_conditions, "Ready", ready, reason, message, view.now));

  json status = {{"phase", phase},
                 {"conditions", conditions},
                 {"containerStatuses", statuses},
                 {"hostIP", view.host_ip},
                 {"hostIPs", json::array({{{"ip", view.host_ip}}})},
                 {"qosClass", qos_class_name(pod)}};
  if (!view.start_time.empty()) status["startTime"] = view.start_time;
  if (spec.value("hostNetwork", false)) {
    status["podIP"] = view.host_ip;
    status["podIPs"] = json::array({{{"ip", view.host_ip}}});
  }
  return status;
}

}  // namespace mk::agent::kubelet
