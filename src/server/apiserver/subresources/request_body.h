#pragma once
// A request body as JSON, whatever form the client sent it in: JSON, YAML, or the protobuf
// that kubectl's typed commands use (create deployment, create token, auth can-i, ...).

#include <nlohmann/json.hpp>

#include "server/apiserver/object_store.h"
#include "http/request.h"

namespace mk::apiserver {

// 400 for an empty or malformed body, 415 for a media type none of these.
ApiResult<nlohmann::json> decode_request_body(const http::Request& req);

}  // namespace mk::apiserver
