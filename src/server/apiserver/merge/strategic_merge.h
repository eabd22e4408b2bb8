#pragma once
// Strategic merge patch (Content-Type application/strategic-merge-patch+json), driven by the type
// schema: how each list merges (by merge key, as a set, or replaced) comes from the field's
// declaration, and the `$patch`, `$retainKeys`, `$setElementOrder/<list>` and
// `$deleteFromPrimitiveList/<list>` directives kubectl sends are honoured and never stored.

#include <nlohmann/json_fwd.hpp>

#include "api/schema/schema.h"
#include "common/error.h"

namespace mk::apiserver {

// `original` patched with `patch`, both JSON objects of `type` (e.g. Deployment).
// Errc::invalid_argument when the patch is malformed: a list given as a non-list, a merge-list item
// without its merge key, an unknown `$patch` value, a directive of the wrong JSON type. The message
// names the field path ("strategic merge patch: spec.template.spec.containers[0]: ...").
Result<nlohmann::json> strategic_merge(const api::schema::TypeDef& type, const nlohmann::json& original,
                                       const nlohmann::json& patch);

}  // namespace mk::apiserver
