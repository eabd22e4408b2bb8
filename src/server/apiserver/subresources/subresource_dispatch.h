#pragma once
// The subresources besides status and finalize: scale, binding, eviction, token and the pod
// streams, each to its handler with the body decoded. Runs on a worker thread.

#include <nlohmann/json.hpp>

#include "server/apiserver/registry.h"
#include "server/apiserver/request_info.h"
#include "server/apiserver/subresources/service_account_tokens.h"
#include "http/request.h"

namespace mk::apiserver {

struct SubresourceCall {
  const api::KindInfo& kind;
  const RequestInfo& info;
  const http::Request& req;
  const WriteOptions& opts;
  const ServiceAccountTokens* tokens;  // null without a signing key
};

struct SubresourceReply {
  int code = 200;
  nlohmann::json body;
};

// Whether serve_subresource handles this subresource (status and finalize are the registry's).
bool is_special_subresource(const std::string& subresource);

ApiResult<SubresourceReply> serve_subresource(Registry& registry, const SubresourceCall& call);

}  // namespace mk::apiserver
