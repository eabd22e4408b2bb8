#include "api/field_error.h"

#include <nlohmann/json.hpp>
#include <set>

#include "api/go_strconv.h"

namespace mk::api {
namespace {

// field.ErrorType.String(): the words that open each message body.
std::string_view type_words(std::string_view type) {
  if (type == kFieldValueInvalid) return "Invalid value";
  if (type == kFieldValueRequired) return "Required value";
  if (type == kFieldValueTooLong) return "Too long";
  if (type == kFieldValueTooMany) return "Too many";
  if (type == kFieldValueNotSupported) return "Unsupported value";
  if (type == kFieldValueDuplicate) return "Duplicate value";
  if (type == kFieldValueForbidden) return "Forbidden";
  if (type == kFieldValueNotFound) return "Not found";
  if (type == "FieldValueTypeInvalid") return "Invalid value";
  if (type == "InternalError") return "Internal error";
  return type;
}

FieldError make(std::string field, std::string_view type, std::string value, std::string detail) {
  return FieldError{std::move(field), std::string(type), std::move(value), std::move(detail)};
}

}  // namespace

FieldError field_invalid(std::string field, std::string value, std::string detail) {
  return make(std::move(field), kFieldValueInvalid, std::move(value), std::move(detail));
}

FieldError field_invalid_verbatim(std::string field, std::string rendered, std::string detail) {
  FieldError e = field_invalid(std::move(field), std::move(rendered), std::move(detail));
  e.value_verbatim = true;
  return e;
}

FieldError field_required(std::string field, std::string detail) {
  return make(std::move(field), kFieldValueRequired, "", std::move(detail));
}

FieldError field_forbidden(std::string field, std::string detail) {
  return make(std::move(field), kFieldValueForbidden, "", std::move(detail));
}

FieldError field_duplicate(std::string field, std::string value) {
  return make(std::move(field), kFieldValueDuplicate, std::move(value), "");
}

FieldError field_not_found(std::string field, std::string value) {
  return make(std::move(field), kFieldValueNotFound, std::move(value), "");
}

FieldError field_not_supported(std::string field, std::string value,
                               const std::vector<std::string>& supported) {
  std::string detail;
  if (!supported.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) detail += ", ";
      detail += go_quote(supported[i]);
    }
  }
  return make(std::move(field), kFieldValueNotSupported, std::move(value), std::move(detail));
}

FieldError field_too_long(std::string field, int64_t max_bytes) {
  std::string detail = max_bytes >= 0
                           ? "may not be more than " + std::to_string(max_bytes) + " bytes"
                           : "value is too long";
  return make(std::move(field), kFieldValueTooLong, "", std::move(detail));
}

std::string error_body(const FieldError& error) {
  std::string body(type_words(error.type));
  // These kinds never show the value (TooLong values may be huge; the others have none).
  bool omit_value = error.type == kFieldValueRequired || error.type == kFieldValueForbidden ||
                    error.type == kFieldValueTooLong || error.type == "InternalError" ||
                    (error.type == kFieldValueTooMany && error.value.empty());
  if (!omit_value) {
    body += ": ";
    body += error.value_verbatim ? error.value : go_quote(error.value);
  }
  if (!error.detail.empty()) {
    body += ": ";
    body += error.detail;
  }
  return body;
}

std::string to_string(const FieldError& error) { return error.field + ": " + error_body(error); }

std::string aggregate_message(const FieldErrors& errors) {
  std::set<std::string> seen;
  std::vector<std::string> messages;
  for (const auto& e : errors) {
    std::string m = to_string(e);
    if (seen.insert(m).second) messages.push_back(std::move(m));
  }
  if (messages.empty()) return "";
  if (messages.size() == 1) return messages.front();
  std::string out = "[";
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += ", ";
    out += messages[i];
  }
  out += ']';
  return out;
}

std::string invalid_message(std::string_view qualified_kind, std::string_view name,
                            const FieldErrors& errors) {
  std::string out(qualified_kind);
  out += ' ';
  out += go_quote(name);
  out += " is invalid";
  if (!errors.empty()) {
    out += ": ";
    out += aggregate_message(errors);
  }
  return out;
}

nlohmann::json status_causes(const FieldErrors& errors) {
  nlohmann::json causes = nlohmann::json::array();
  for (const auto& e : errors) {
    // StatusCause's fields are all omitempty upstream.
    nlohmann::json cause = nlohmann::json::object();
    if (!e.type.empty()) cause["reason"] = e.type;
    cause["message"] = error_body(e);
    if (!e.field.empty()) cause["field"] = e.field;
    causes.push_back(std::move(cause));
  }
  return causes;
}

}  // namespace mk::api
