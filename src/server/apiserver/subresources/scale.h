#pragma once
// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets and statefulsets:
// a view of the parent's spec.replicas, status.replicas and selector. Writes change only the
// parent's spec.replicas, through Registry::modify, so generation, admission and
// resourceVersion conflicts work as for any write of the parent.

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "server/apiserver/patch.h"
#include "server/apiserver/registry.h"

namespace mk::apiserver {

// The Scale of a parent object.
nlohmann::json scale_of(const nlohmann::json& parent);

ApiResult<nlohmann::json> get_scale(Registry& registry, const api::KindInfo& kind, const std::string& ns,
                                    const std::string& name);
// PUT: `scale` replaces the current Scale (a set metadata.resourceVersion must be current).
ApiResult<nlohmann::json> update_scale(Registry& registry, const api::KindInfo& kind, const std::string& ns,
                                       const std::string& name, const nlohmann::json& scale, const WriteOptions& opts);
// PATCH (JSON, merge or strategic) of the current Scale.
ApiResult<nlohmann::json> patch_scale(Registry& registry, const api::KindInfo& kind, const std::string& ns,
                                      const std::string& name, PatchType type, const std::string& patch,
                                      const WriteOptions& opts);

}  // namespace mk::apiserver
