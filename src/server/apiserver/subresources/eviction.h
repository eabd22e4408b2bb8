#pragma once
// pods/eviction (policy/v1 Eviction): deletes the pod, with the Eviction's DeleteOptions,
// unless that would break the PodDisruptionBudget selecting it (429 TooManyRequests with a
// DisruptionBudget cause; kubectl drain retries).

#include <nlohmann/json.hpp>

#include <string>

#include "server/apiserver/registry.h"

namespace mk::apiserver {

// Answers a Success Status (201). `dry_run` is the request's dryRun=All.
ApiResult<nlohmann::json> evict_pod(Registry& registry, const std::string& ns, const std::string& pod_name,
                                    const nlohmann::json& eviction, bool dry_run);

}  // namespace mk::apiserver
