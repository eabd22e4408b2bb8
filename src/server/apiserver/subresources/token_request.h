#pragma once
// serviceaccounts/token (authentication.k8s.io/v1 TokenRequest): issues a signed JWT for the
// service account, optionally bound to a pod, secret or node, as `kubectl create token` asks.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "server/apiserver/registry.h"
#include "server/apiserver/subresources/service_account_tokens.h"

namespace mk::apiserver {

// The TokenRequest with status.token and status.expirationTimestamp (201). `tokens` null: 503,
// the server has no signing key. `now` is Unix seconds.
ApiResult<nlohmann::json> request_token(Registry& registry, const ServiceAccountTokens* tokens, const std::string& ns,
                                        const std::string& account, nlohmann::json request, int64_t now);

}  // namespace mk::apiserver
