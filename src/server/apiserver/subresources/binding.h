#pragma once
// pods/binding: assigns a pending pod to a node (what the scheduler posts). The pod's
// spec.nodeName may be set once; the PodScheduled condition turns True with it.

#include <nlohmann/json.hpp>

#include <string>

#include "server/apiserver/registry.h"

namespace mk::apiserver {

// `binding` is a core/v1 Binding {"metadata":{"name":<pod>},"target":{"kind":"Node","name":<node>}}.
// Answers a Success Status (201); 409 when the pod is already bound or being deleted.
ApiResult<nlohmann::json> bind_pod(Registry& registry, const std::string& ns, const std::string& pod_name,
                                   const nlohmann::json& binding, const WriteOptions& opts);

}  // namespace mk::apiserver
