#pragma once
// The key that signs and verifies service-account tokens: the server's ECDSA P-256 key
// (ES256), or an operator-supplied RSA key (RS256). Its key id is the SHA-256 of the public key
// in DER, base64url, as kube-apiserver names it in the JWT header.

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::apiserver {

class TokenKey {
 public:
  // A PEM private key; Errc::invalid_argument when it does not parse or is of another type.
  static Result<std::shared_ptr<const TokenKey>> load(std::string_view private_key_pem);
  ~TokenKey();
  TokenKey(const TokenKey&) = delete;
  TokenKey& operator=(const TokenKey&) = delete;

  const std::string& algorithm() const { return algorithm_; }  // "ES256" or "RS256"
  const std::string& key_id() const { return key_id_; }
  // The JWS signature of `input` (ES256: r||s, 64 bytes; RS256: PKCS #1 v1.5).
  Result<std::string> sign(std::string_view input) const;
  bool verify(std::string_view input, std::string_view signature) const;

 private:
  struct Impl;
  explicit TokenKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string algorithm_;
  std::string key_id_;
};

}  // namespace mk::apiserver
