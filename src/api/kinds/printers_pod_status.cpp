#include "api/kinds/printers_pod_status.h"

#include <nlohmann/json.hpp>

#include <map>

#include "api/json_path.h"
#include "api/kinds/printers_format.h"

namespace mk::api::printers {
namespace {

// Before() on metav1.Time, with the zero time earliest: keeps the later of the two.
void keep_latest(std::optional<TimePoint>& latest, const std::optional<TimePoint>& candidate) {
  if (candidate && (!latest || *latest < *candidate)) latest = candidate;
}

// Init containers with restartPolicy Always are sidecars: they keep running beside the app
// containers and count towards the total.
std::map<std::string, bool> restartable_init_containers(const nlohmann::json& pod) {
  std::map<std::string, bool> out;
  for (const auto& c : array_at(pod, "spec.initContainers")) {
    out[text_at(c, "name")] = text_at(c, "restartPolicy") == "Always";
  }
  return out;
}

bool condition_true(const nlohmann::json& pod, std::string_view type) {
  for (const auto& c : array_at(pod, "status.conditions")) {
    if (text_at(c, "type") == type && text_at(c, "status") == "True") return true;
  }
  return false;
}

// "ExitCode:N" or "Signal:N" for a termination without a reason.
std::string exit_description(const nlohmann::json& terminated) {
  int64_t signal = int_at(terminated, "signal");
  if (signal != 0) return "Signal:" + std::to_string(signal);
  return "ExitCode:" + std::to_string(int_at(terminated, "exitCode"));
}

}  // namespace

PodSummary summarize_pod(const nlohmann::json& pod) {
  PodSummary s;
  s.total = static_cast<int64_t>(array_at(pod, "spec.containers").size());
  const std::string phase = text_at(pod, "status.phase");
  const std::string status_reason = text_at(pod, "status.reason");
  s.reason = status_reason.empty() ? phase : status_reason;

  // A pod held back by scheduling gates says so, whatever its phase.
  for (const auto& c : array_at(pod, "status.conditions")) {
    if (text_at(c, "type") == "PodScheduled" && text_at(c, "reason") == "SchedulingGated") {
      s.reason = "SchedulingGated";
    }
  }

  const auto restartable = restartable_init_containers(pod);
  for (const auto& [name, always] : restartable) {
    if (always) ++s.total;
  }
  auto is_restartable = [&](const nlohmann::json& status) {
    auto it = restartable.find(text_at(status, "name"));
    return it != restartable.end() && it->second;
  };

  int64_t sidecar_restarts = 0;
  std::optional<TimePoint> sidecar_last_restart;
  bool initializing = false;
  const auto& init_statuses = array_at(pod, "status.initContainerStatuses");
  const int64_t init_count = static_cast<int64_t>(array_at(pod, "spec.initContainers").size());
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const auto& c = init_statuses[i];
    const int64_t restarts = int_at(c, "restartCount");
    const auto finished =
        is_set(c, "lastState.terminated") ? timestamp_at(c, "lastState.terminated.finishedAt") : std::nullopt;
    s.restarts += restarts;
    keep_latest(s.last_restart, finished);
    const bool sidecar = is_restartable(c);
    if (sidecar) {
      sidecar_restarts += restarts;
      keep_latest(sidecar_last_restart, finished);
    }

    const bool terminated = is_set(c, "state.terminated");
    const auto& term = object_at(c, "state.terminated");
    if (terminated && int_at(term, "exitCode") == 0) continue;
    if (sidecar && bool_at(c, "started")) {
      if (bool_at(c, "ready")) ++s.ready;
      continue;
    }
    const std::string waiting_reason = text_at(c, "state.waiting.reason");
    if (terminated) {
      // The init container failed.
      const std::string reason = text_at(term, "reason");
      s.reason = "Init:" + (reason.empty() ? exit_description(term) : reason);
    } else if (is_set(c, "state.waiting") && !waiting_reason.empty() && waiting_reason != "PodInitializing") {
      s.reason = "Init:" + waiting_reason;
    } else {
      s.reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_count);
    }
    initializing = true;
    break;
  }

  if (!initializing || condition_true(pod, "Initialized")) {
    // Only sidecar restarts carry over once the pod has initialized.
    s.restarts = sidecar_restarts;
    s.last_restart = sidecar_last_restart;
    bool has_running = false;
    const auto& statuses = array_at(pod, "status.containerStatuses");
    for (size_t k = statuses.size(); k-- > 0;) {
      const auto& c = statuses[k];
      s.restarts += int_at(c, "restartCount");
      if (is_set(c, "lastState.terminated")) {
        keep_latest(s.last_restart, timestamp_at(c, "lastState.terminated.finishedAt"));
      }
      const std::string waiting_reason = text_at(c, "state.waiting.reason");
      const bool terminated = is_set(c, "state.terminated");
      const auto& term = object_at(c, "state.terminated");
      const std::string terminated_reason = text_at(term, "reason");
      if (is_set(c, "state.waiting") && !waiting_reason.empty()) {
        s.reason = waiting_reason;
      } else if (terminated && !terminated_reason.empty()) {
        s.reason = terminated_reason;
      } else if (terminated) {
        s.reason = exit_description(term);
      } else if (bool_at(c, "ready") && is_set(c, "state.running")) {
        has_running = true;
        ++s.ready;
      }
    }
    // A container that completed while another still runs leaves the pod running.
    if (s.reason == "Completed" && has_running) {
      s.reason = condition_true(pod, "Ready") ? "Running" : "NotReady";
    }
  }

  if (is_set(pod, "metadata.deletionTimestamp")) {
    if (status_reason == "NodeLost") {
      s.reason = "Unknown";
    } else if (phase != "Failed" && phase != "Succeeded") {
      s.reason = "Terminating";
    }
  }
  return s;
}

}  // namespace mk::api::printers
