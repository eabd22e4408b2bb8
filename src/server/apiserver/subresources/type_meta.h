#pragma once
// Checks shared by the subresources that take a body of their own kind (Scale, Binding,
// Eviction, TokenRequest, the reviews), and the Status they answer with on success.

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string_view>

#include "api/status.h"

namespace mk::apiserver {

// 400 unless `body` is an object whose kind and apiVersion, where set, are `kind` and one of
// `api_versions`.
std::optional<api::ApiError> check_body_type(const nlohmann::json& body, std::string_view kind,
                                             std::initializer_list<std::string_view> api_versions);

// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":<code>}
nlohmann::json success_status(int code);

}  // namespace mk::apiserver
