#include "api/status.h"

#include <nlohmann/json.hpp>

namespace mk::api {

nlohmann::json ApiError::to_status() const {
  nlohmann::json s = {{"kind", "Status"},       {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                      {"status", "Failure"},    {"message", message}, {"reason", reason},
                      {"code", code}};
  nlohmann::json details = nlohmann::json::object();
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!causes.empty()) {
    auto& arr = details["causes"] = nlohmann::json::array();
    for (const auto& c : causes) {
      // Causes carry the whole line ("spec.x: Invalid value: ..."); on the wire the field is
      // separate and the message is the rest, as clients print "<field>: <message>".
      std::string m = c.message;
      if (!c.field.empty() && m.rfind(c.field + ": ", 0) == 0) m = m.substr(c.field.size() + 2);
      nlohmann::json j = {{"reason", c.reason}, {"message", m}};
      if (!c.field.empty()) j["field"] = c.field;
      arr.push_back(std::move(j));
    }
  }
  if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
  if (!details.empty()) s["details"] = std::move(details);
  return s;
}

ApiError not_found(const std::string& resource, const std::string& group, const std::string& plural,
                   const std::string& name) {
  return ApiError{404, "NotFound", resource + " \"" + name + "\" not found", name, group, plural, {}, 0};
}

ApiError already_exists(const std::string& resource, const std::string& group,
                        const std::string& plural, const std::string& name) {
  return ApiError{409, "AlreadyExists", resource + " \"" + name + "\" already exists", name, group, plural, {}, 0};
}

ApiError conflict(const std::string& resource, const std::string& group, const std::string& plural,
                  const std::string& name, const std::string& why) {
  return ApiError{409, "Conflict",
                  "Operation cannot be fulfilled on " + resource + " \"" + name + "\": " + why, name,
                  group, plural, {}, 0};
}

ApiError modified_conflict(const std::string& resource, const std::string& group,
                           const std::string& plural, const std::string& name) {
  return conflict(resource, group, plural, name,
                  "the object has been modified; please apply your changes to the latest version "
                  "and try again");
}

ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<StatusCause> causes) {
  std::string qualified = group.empty() ? kind : kind + "." + group;
  std::string msg = qualified + " \"" + name + "\" is invalid: ";
  if (causes.size() == 1) {
    msg += causes[0].message;
  } else {
    msg += "[";
    for (size_t i = 0; i < causes.size(); ++i) {
      if (i) msg += ", ";
      msg += causes[i].message;
    }
    msg += "]";
  }
  return ApiError{422, "Invalid", msg, name, group, kind, std::move(causes), 0};
}

ApiError bad_request(const std::string& message) { return ApiError{400, "BadRequest", message, {}, {}, {}, {}, 0}; }
ApiError method_not_allowed(const std::string& message) {
  return ApiError{405, "MethodNotAllowed", message, {}, {}, {}, {}, 0};
}
ApiError gone(const std::string& message) { return ApiError{410, "Expired", message, {}, {}, {}, {}, 0}; }
ApiError unsupported_media_type(const std::string& message) {
  return ApiError{415, "UnsupportedMediaType", message, {}, {}, {}, {}, 0};
}
ApiError not_acceptable(const std::string& message) {
  return ApiError{406, "NotAcceptable", message, {}, {}, {}, {}, 0};
}
ApiError internal_error(const std::string& message) {
  return ApiError{500, "InternalError", "Internal error occurred: " + message, {}, {}, {}, {}, 0};
}
ApiError unauthorized() { return ApiError{401, "Unauthorized", "Unauthorized", {}, {}, {}, {}, 0}; }
ApiError forbidden(const std::string& message) { return ApiError{403, "Forbidden", message, {}, {}, {}, {}, 0}; }
ApiError too_many_requests(const std::string& message, int retry_after_seconds) {
  return ApiError{429, "TooManyRequests", message, {}, {}, {}, {}, retry_after_seconds};
}
ApiError service_unavailable(const std::string& message) {
  return ApiError{503, "ServiceUnavailable", message, {}, {}, {}, {}, 0};
}
ApiError too_large(const std::string& message) {
  return ApiError{413, "RequestEntityTooLarge", message, {}, {}, {}, {}, 0};
}
ApiError no_such_path() {
  return ApiError{404, "NotFound", "the server could not find the requested resource", {}, {}, {}, {}, 0};
}

ApiError from_store_error(const Error& e) {
  switch (e.code) {
    case Errc::compacted: return gone("too old resource version: " + e.message);
    case Errc::unavailable: return service_unavailable(e.message);
    case Errc::too_large: return too_large(e.message);
    case Errc::invalid_argument: return bad_request(e.message);
    default: return internal_error(e.message);
  }
}

}  // namespace mk::api
