#pragma once
// Service-account tokens as kube-apiserver issues them for TokenRequest: JWTs signed with the
// server's key, naming the account (and optionally the pod, secret or node the token is bound
// to) in the "kubernetes.io" claim. Checking that those objects still exist is the caller's
// part (it needs the store); this part is the cryptography, the issuer and the time window.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/apiserver/subresources/token_key.h"

namespace mk::apiserver {

inline constexpr std::string_view kDefaultServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local";

struct BoundObject {
  std::string kind;  // Pod, Secret or Node
  std::string name;
  std::string uid;
};

struct ServiceAccountClaims {
  std::string namespace_;
  std::string name;  // of the service account
  std::string uid;   // of the service account
  std::vector<std::string> audiences;
  int64_t issued_at = 0;  // Unix seconds; also nbf
  int64_t expires_at = 0;
  std::optional<BoundObject> bound;
  std::string id;  // jti

  // "system:serviceaccount:<ns>:<name>"
  std::string username() const;
};

class ServiceAccountTokens {
 public:
  ServiceAccountTokens(std::shared_ptr<const TokenKey> key, std::string issuer);

  const std::string& issuer() const { return issuer_; }
  // The audiences the API server itself accepts: its issuer, as kube-apiserver defaults them.
  const std::vector<std::string>& api_audiences() const { return api_audiences_; }

  Result<std::string> issue(const ServiceAccountClaims& claims) const;
  // The claims of a token this server signed that is valid at `now` for one of `audiences`
  // (the API audiences when empty). Errc::invalid_argument says why it is not.
  Result<ServiceAccountClaims> verify(std::string_view token, const std::vector<std::string>& audiences,
                                      int64_t now) const;

 private:
  std::shared_ptr<const TokenKey> key_;
  std::string issuer_;
  std::vector<std::string> api_audiences_;
};

// Whether `token` has the shape of a JWT (three dot-separated segments), so authenticators can
// tell it from opaque static tokens without verifying it.
bool looks_like_jwt(std::string_view token);

}  // namespace mk::apiserver
