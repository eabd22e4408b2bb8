#pragma once
// Reading and checking certificates given as PEM text, for the PKI itself and for the HTTP layer
// (mapping a client certificate to a user: CN = user name, O = groups).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/pki/sans.h"

namespace mk::pki {

struct Subject {
  std::string common_name;
  std::vector<std::string> organizations;  // in certificate order

  bool operator==(const Subject&) const = default;
};

struct CertInfo {
  Subject subject;
  Subject issuer;
  std::string serial_hex;  // uppercase hex, as OpenSSL prints it
  std::chrono::sys_seconds not_before;
  std::chrono::sys_seconds not_after;
  bool is_ca = false;  // basicConstraints CA:TRUE
  SanSet sans;         // canonical
};

// The first certificate in pem. Errc::corrupt if there is none or it does not parse.
Result<CertInfo> parse_certificate(std::string_view pem);
Result<Subject> parse_subject(std::string_view pem);

enum class CertPurpose { any, server, client };

// Ok if cert_pem chains to one of the certificates in ca_pem (a bundle), is valid now and its
// extended key usage allows `purpose`. Errc::permission_denied with OpenSSL's reason otherwise
// ("certificate has expired"), Errc::corrupt if either does not parse.
Status verify_certificate(std::string_view cert_pem, std::string_view ca_pem, CertPurpose purpose);

// "2036-11-24T03:40:01Z", for log lines and messages.
std::string format_time(std::chrono::sys_seconds t);

}  // namespace mk::pki
