#pragma once
// API errors as Kubernetes reports them: an HTTP code, a machine reason and a message, sent as
// a meta/v1 Status object. The constructors word messages as kube-apiserver does, since
// kubectl prints them verbatim.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "common/error.h"

namespace mk::api {

struct StatusCause {
  std::string reason;  // FieldValueInvalid, FieldValueRequired, ...
  std::string message;
  std::string field;
};

struct ApiError {
  int code = 500;
  std::string reason;  // NotFound, AlreadyExists, Conflict, Invalid, BadRequest, ...
  std::string message;
  // details
  std::string name;
  std::string group;
  std::string kind;  // the resource (plural) as upstream fills it in
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;

  nlohmann::json to_status() const;
};

// `resource` is the qualified resource ("pods", "deployments.apps").
ApiError not_found(const std::string& resource, const std::string& group, const std::string& plural,
                   const std::string& name);
ApiError already_exists(const std::string& resource, const std::string& group,
                        const std::string& plural, const std::string& name);
ApiError conflict(const std::string& resource, const std::string& group, const std::string& plural,
                  const std::string& name, const std::string& why);
// "the object has been modified; please apply your changes to the latest version and try again"
ApiError modified_conflict(const std::string& resource, const std::string& group,
                           const std::string& plural, const std::string& name);
// 422: `<Kind>.<group> "<name>" is invalid: <causes joined>`
ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<StatusCause> causes);
ApiError bad_request(const std::string& message);
ApiError method_not_allowed(const std::string& message);
ApiError gone(const std::string& message);  // 410 Expired
ApiError unsupported_media_type(const std::string& message);
ApiError not_acceptable(const std::string& message);
ApiError internal_error(const std::string& message);
ApiError unauthorized();
ApiError forbidden(const std::string& message);
ApiError too_many_requests(const std::string& message, int retry_after_seconds);
ApiError service_unavailable(const std::string& message);
ApiError too_large(const std::string& message);
// 404 for a URL nothing serves.
ApiError no_such_path();

// Maps a store error onto the API's (compacted -> 410, unavailable -> 503, others -> 500).
ApiError from_store_error(const Error& e);

}  // namespace mk::api
