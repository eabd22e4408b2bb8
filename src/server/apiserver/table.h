#pragma once
// Server-side printing: objects as a meta.k8s.io/v1 Table, as `kubectl get` asks for.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "api/kinds/kind_info.h"

namespace mk::apiserver {

enum class IncludeObject { metadata, object, none };

// Whether the Accept header asks for a Table (as=Table;g=meta.k8s.io;v=v1 or v1beta1).
bool wants_table(const std::string& accept);

// A Table of `items` (objects of kind). `with_columns` false leaves out columnDefinitions (watch
// events after the first). `list_meta` becomes the Table's metadata.
nlohmann::json to_table(const api::KindInfo& kind, const nlohmann::json& items, const nlohmann::json& list_meta,
                        IncludeObject include, bool with_columns = true);

}  // namespace mk::apiserver
