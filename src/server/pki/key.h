#pragma once
// Private keys as PEM text. New keys are ECDSA P-256, as k3s uses: small, fast to generate,
// and accepted by kubectl, client-go and Python's ssl module.

#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::pki {

// A new ECDSA P-256 private key, PEM-encoded PKCS#8 ("BEGIN PRIVATE KEY").
Result<std::string> generate_private_key();

// Ok if key_pem holds a private key OpenSSL can use (of any type, so operator-supplied RSA keys
// work too); Errc::corrupt otherwise.
Status check_private_key(std::string_view key_pem);

// The key's public half as PEM ("BEGIN PUBLIC KEY"), e.g. to verify service-account tokens.
Result<std::string> public_key_pem(std::string_view key_pem);

// Ok if the certificate's public key is the public half of key_pem; Errc::invalid_argument if
// not, Errc::corrupt if either does not parse.
Status check_key_matches_cert(std::string_view cert_pem, std::string_view key_pem);

}  // namespace mk::pki
