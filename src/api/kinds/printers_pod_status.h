#pragma once
// What `kubectl get pods` says about a pod: ready/total containers, the status reason and the
// restart count, derived from its container statuses with upstream's precedence rules (init
// containers first, then app containers last to first, then deletion).

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "api/timestamp.h"

namespace mk::api::printers {

struct PodSummary {
  int64_t ready = 0;
  int64_t total = 0;
  std::string reason;  // "Running", "CrashLoopBackOff", "Init:1/2", "Terminating", ...
  int64_t restarts = 0;
  std::optional<TimePoint> last_restart;  // the latest lastState.terminated.finishedAt counted
};

PodSummary summarize_pod(const nlohmann::json& pod);

}  // namespace mk::api::printers
