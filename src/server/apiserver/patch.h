#pragma once
// PATCH bodies applied to an object: JSON patch (RFC 6902) and JSON merge patch (RFC 7386).
// Strategic merge patch and server-side apply build on the type schema (strategic_merge.h).

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "api/kinds/kind_info.h"
#include "server/apiserver/object_store.h"

namespace mk::apiserver {

enum class PatchType { json, merge, strategic, apply, unknown };

PatchType patch_type_of(const std::string& content_type);

// The patched object, or a 4xx ApiError (bad patch, failed test op, unsupported type).
ApiResult<nlohmann::json> apply_patch(const api::KindInfo& kind, PatchType type, const nlohmann::json& current,
                                      const std::string& body);

}  // namespace mk::apiserver
