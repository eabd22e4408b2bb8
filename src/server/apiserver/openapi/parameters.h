#pragma once
// The request parameters operations accept, described once and written in either dialect.
// kubectl decides whether the server validates fields by looking for "fieldValidation" among a
// PATCH operation's parameters, so the names must be exactly the query keys the server reads.

#include <nlohmann/json_fwd.hpp>

#include <string_view>

#include "server/apiserver/openapi/dialect.h"

namespace mk::apiserver::openapi {

// {"name": ..., "in": "query", ...} for a query key such as labelSelector or fieldValidation.
nlohmann::json query_parameter(std::string_view name, Dialect d);
// {"name": ..., "in": "path", "required": true, ...} for "name" or "namespace".
nlohmann::json path_parameter(std::string_view name, Dialect d);

}  // namespace mk::apiserver::openapi
