#pragma once
// Certificate authorities and the certificates they issue. Everything crosses this interface as
// PEM text. Keys are new ECDSA P-256 keys, signatures SHA-256, serials 128 random bits.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/pki/sans.h"

namespace mk::pki {

// A certificate and its private key.
struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

// A CA's certificate and the key it signs with. cert_pem is kept byte for byte as read from
// disk, since the join token's CA hash is computed over those bytes.
struct CertAuthority {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed CA: basicConstraints CA:TRUE (critical), keyUsage keyCertSign.
Result<CertAuthority> create_ca(std::string_view common_name, std::chrono::seconds validity);

// A client certificate (extendedKeyUsage clientAuth) for user common_name in `groups`
// (one O each), signed by ca. Kubernetes maps CN to the user name and O to groups.
Result<KeyPair> issue_client_cert(const CertAuthority& ca, std::string_view common_name,
                                  const std::vector<std::string>& groups, std::chrono::seconds validity);

// A serving certificate (extendedKeyUsage serverAuth) carrying `sans`, signed by ca.
Result<KeyPair> issue_serving_cert(const CertAuthority& ca, std::string_view common_name, const SanSet& sans,
                                   std::chrono::seconds validity);

}  // namespace mk::pki
