#pragma once
// What the strategies of every kind share: field errors turned into status causes, tolerant
// reads of a decoded object, and apimachinery's idea of "semantically equal" for immutability
// checks. Reads treat a member of the wrong JSON type as absent: the schema check has already
// refused such objects before a strategy runs, so the strategies only meet them when called
// directly.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "api/status.h"

namespace mk::apiserver {

// Each error as a cause whose message is the full line ("spec.replicas: Invalid value: ...").
std::vector<api::StatusCause> to_causes(const api::FieldErrors& errors);

void append(api::FieldErrors& to, api::FieldErrors from);

// The member `key` of `obj`, or nullptr when obj is not an object or the member is absent or null.
const nlohmann::json* member(const nlohmann::json& obj, std::string_view key);
// Whether the member is present and not null.
bool has(const nlohmann::json& obj, std::string_view key);
// A string member, "" when absent or not a string.
std::string string_of(const nlohmann::json& obj, std::string_view key);
// An integer member (integral floats count), nullopt when absent or not a number.
std::optional<int64_t> int_of(const nlohmann::json& obj, std::string_view key);
// A boolean member, `fallback` when absent or not a boolean.
bool bool_of(const nlohmann::json& obj, std::string_view key, bool fallback = false);
// An array member, or an empty array.
const nlohmann::json& array_of(const nlohmann::json& obj, std::string_view key);
// An object member, or an empty object.
const nlohmann::json& object_of(const nlohmann::json& obj, std::string_view key);
// For defaulting: the object member, made an empty object when absent, null or not an object.
nlohmann::json& ensure_object(nlohmann::json& obj, const std::string& key);
// For defaulting: whether a string member is unset as Go sees it (absent, null or "").
bool unset_string(const nlohmann::json& obj, std::string_view key);

// Go's zero values: absent, null, "", 0, false, [] and {} all decode to them.
bool is_zero(const nlohmann::json& value);
// apimachinery's Semantic.DeepEqual over decoded JSON: members that are zero on one side and
// absent on the other are equal, as are nil and empty lists and maps.
bool semantic_equal(const nlohmann::json& a, const nlohmann::json& b);

// field.Path rendering: base[3] and base[key].
std::string index_path(const std::string& base, size_t index);
std::string key_path(const std::string& base, const std::string& key);

// ValidateNonnegativeField: `field: Invalid value: -1: must be greater than or equal to 0`.
void check_nonnegative(int64_t value, const std::string& field, api::FieldErrors& out);
// The same for an optional integer member of `obj`, at `base.key`.
void check_nonnegative_member(const nlohmann::json& obj, std::string_view key, const std::string& base,
                              api::FieldErrors& out);

// IsValidPortNum: "must be between 1 and 65535, inclusive" (empty when valid).
std::vector<std::string> check_port_number(int64_t port);
// IsValidPortName (IANA service names).
std::vector<std::string> check_port_name(std::string_view name);
// Invalid errors for each message of a check_* function, with the value shown quoted.
void add_invalid(api::FieldErrors& out, const std::string& field, const std::string& value,
                 const std::vector<std::string>& messages);

// RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')`, with upstream's
// doubled spaces between examples.
std::string regex_error(std::string_view msg, std::string_view fmt, const std::vector<std::string>& examples);

// The user a write is made by, for the few rules that exempt the server's own writes.
inline constexpr std::string_view kApiServerUser = "system:apiserver";

}  // namespace mk::apiserver
