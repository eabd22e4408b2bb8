#pragma once
// Request bodies in Kubernetes' protobuf encoding (Content-Type
// application/vnd.kubernetes.protobuf), which kubectl's typed commands send (`create
// deployment`, `create token`, `auth can-i`, ...), turned into the JSON object the same
// command would have sent as JSON.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::api::proto {

struct DecodedObject {
  std::string api_version;  // "apps/v1", "v1"
  std::string kind;         // "Deployment"
  nlohmann::json object;    // carries "apiVersion" and "kind" too
};

// The body is "k8s\0" + runtime.Unknown{typeMeta, raw, contentEncoding, contentType}; the
// type is looked up by kind in Schema::builtin() and must belong to the named group-version.
// Every malformed or unsupported body (bad magic, truncation, wrong wire types, over-long
// varints, lengths past the end, nesting deeper than kMaxNesting, an unknown kind,
// compression) is Errc::invalid_argument, to be answered with 400 Bad Request.
Result<DecodedObject> decode_kubernetes_protobuf(std::string_view body);

}  // namespace mk::api::proto
