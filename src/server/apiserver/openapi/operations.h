#pragma once
// The paths and operations of one served kind: its collection, its objects, the list across all
// namespaces, and its subresources, each operation tagged with the kind it speaks
// (x-kubernetes-group-version-kind) and what it does (x-kubernetes-action), the way kubectl
// and client generators expect.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

#include "api/kinds/kind_info.h"
#include "server/apiserver/openapi/definitions.h"
#include "server/apiserver/openapi/dialect.h"
#include "server/apiserver/openapi/type_catalog.h"

namespace mk::apiserver::openapi {

// Adds the paths of `kind` to `paths`, and the definitions they refer to to `defs`.
void add_kind_paths(nlohmann::json& paths, const api::KindInfo& kind, const TypeCatalog& catalog,
                    Definitions& defs, Dialect d);

// "/api/v1" for the core group, "/apis/<group>/<version>" otherwise.
std::string group_version_path(std::string_view group, std::string_view version);

}  // namespace mk::apiserver::openapi
