#pragma once
// Safe lookups into JSON objects by dotted path ("spec.template.metadata"), for code that reads
// a few fields of an object it did not build (printers, selectors, controllers).

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace mk::api {

// The value at the path, or nullptr when any step is missing or not an object.
const nlohmann::json* find_path(const nlohmann::json& root, std::string_view dotted);

// The value at the path as a string: strings as they are, numbers and booleans printed as Go
// prints them ("3", "true"), anything else (missing, null, objects) as `fallback`.
std::string string_at(const nlohmann::json& root, std::string_view dotted, std::string fallback = "");

// The integer at the path, or `fallback`.
int64_t int_at(const nlohmann::json& root, std::string_view dotted, int64_t fallback = 0);

}  // namespace mk::api
