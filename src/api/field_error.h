#pragma once
// Field-level validation errors, rendered exactly as apimachinery's field.Error so that kubectl
// users see upstream's messages:
//   metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of ...
// and so that a 422 Status can list them in details.causes[] ({reason, message, field}).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mk::api {

// The `type` strings are upstream's field.ErrorType values; they double as the StatusCause reason.
inline constexpr std::string_view kFieldValueInvalid = "FieldValueInvalid";
inline constexpr std::string_view kFieldValueRequired = "FieldValueRequired";
inline constexpr std::string_view kFieldValueTooLong = "FieldValueTooLong";
inline constexpr std::string_view kFieldValueTooMany = "FieldValueTooMany";
inline constexpr std::string_view kFieldValueNotSupported = "FieldValueNotSupported";
inline constexpr std::string_view kFieldValueDuplicate = "FieldValueDuplicate";
inline constexpr std::string_view kFieldValueForbidden = "FieldValueForbidden";
inline constexpr std::string_view kFieldValueNotFound = "FieldValueNotFound";

struct FieldError {
  std::string field;   // path of the offending field: "metadata.name", "spec.ports[0].port"
  std::string type;    // one of the kFieldValue* strings
  std::string value;   // the offending value
  std::string detail;  // why it is wrong
  // Upstream prints string values quoted ("Foo") but numbers, booleans and lists as Go prints
  // them (-1, []string{"a"}); set this when `value` already holds such a rendering.
  bool value_verbatim = false;
};

using FieldErrors = std::vector<FieldError>;

FieldError field_invalid(std::string field, std::string value, std::string detail);
// For a value that is not a string: `rendered` is shown as is ("-1", "true").
FieldError field_invalid_verbatim(std::string field, std::string rendered, std::string detail);
FieldError field_required(std::string field, std::string detail);
FieldError field_forbidden(std::string field, std::string detail);
FieldError field_duplicate(std::string field, std::string value);
FieldError field_not_found(std::string field, std::string value);
// detail: `supported values: "A", "B"` (omitted when the list is empty).
FieldError field_not_supported(std::string field, std::string value,
                               const std::vector<std::string>& supported);
// detail: "may not be more than <max> bytes" (apimachinery 1.32 wording).
FieldError field_too_long(std::string field, int64_t max_bytes);

// The message without the field: `Invalid value: "Foo": <detail>`. This is StatusCause.message.
std::string error_body(const FieldError& error);
// The full message: `metadata.name: Invalid value: "Foo": <detail>`.
std::string to_string(const FieldError& error);
// Several errors as one message, as upstream's aggregate prints them: duplicates dropped, a
// single message alone, several as "[first, second]". Empty for no errors.
std::string aggregate_message(const FieldErrors& errors);
// The Invalid (422) Status message: `Deployment.apps "web" is invalid: <aggregate>`.
// qualified_kind is Kind for the core group and Kind.group otherwise.
std::string invalid_message(std::string_view qualified_kind, std::string_view name,
                            const FieldErrors& errors);
// details.causes[] for that Status: [{"reason": type, "message": body, "field": field}, ...].
nlohmann::json status_causes(const FieldErrors& errors);

}  // namespace mk::api
