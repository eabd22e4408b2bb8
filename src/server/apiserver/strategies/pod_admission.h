#pragma once
// What kube-apiserver's default admission plugins do to a pod being created, beyond
// defaulting: the ServiceAccount plugin's default account, DefaultTolerationSeconds'
// not-ready/unreachable tolerations, and the Priority plugin's priority from the pod's
// PriorityClass (or the global default class).

#include <nlohmann/json_fwd.hpp>

#include <optional>

#include "api/status.h"
#include "server/apiserver/context.h"

namespace mk::apiserver {

// Mutates a new pod's spec. `ctx` (for PriorityClass lookups) may be null: the built-in
// classes and "no default class" are used then.
void admit_new_pod(nlohmann::json& pod, ApiContext* ctx);

// The Priority plugin's refusals (403): an unknown priorityClassName, or a priority or
// preemptionPolicy in the spec that differs from what the class gives.
std::optional<api::ApiError> check_pod_priority(const nlohmann::json& pod, ApiContext* ctx);

}  // namespace mk::apiserver
