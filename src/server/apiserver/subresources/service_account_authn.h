#pragma once
// Bearer tokens that are service-account JWTs: valid when this server signed them, they are in
// their time window and audience, and the service account (and the object the token is bound
// to) still exists with the same uid, so deleting an account revokes its tokens.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/apiserver/context.h"
#include "server/apiserver/subresources/service_account_tokens.h"

namespace mk::apiserver {

// The uid of the named object (kind ServiceAccount, Pod, Secret or Node), or nullopt when it
// does not exist.
using ObjectUidLookup =
    std::function<std::optional<std::string>(const std::string& kind, const std::string& ns, const std::string& name)>;

struct ServiceAccountIdentity {
  User user;     // system:serviceaccount:<ns>:<name>, in its groups
  std::string uid;  // the service account's
  std::vector<std::string> audiences;  // those asked for that the token is valid for
};

Result<ServiceAccountIdentity> authenticate_service_account(const ServiceAccountTokens& tokens,
                                                            const ObjectUidLookup& lookup, std::string_view token,
                                                            const std::vector<std::string>& audiences, int64_t now);

}  // namespace mk::apiserver
