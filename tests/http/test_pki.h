#pragma once
// Test certificates made with OpenSSL in memory: a CA, a serving certificate for 127.0.0.1 and
// localhost, and client certificates with a chosen CN and O values. EC P-256 keys (fast).

#include <string>
#include <vector>

namespace mk::http::test {

struct CertKey {
  std::string cert_pem;
  std::string key_pem;
};

struct TestPki {
  CertKey ca;
  CertKey server;
};

CertKey make_ca(const std::string& common_name);
// A serving certificate (IP:127.0.0.1, DNS:localhost) signed by `ca`.
CertKey issue_server_cert(const CertKey& ca);
// A client certificate (clientAuth) with subject CN=common_name, O=each of organizations.
CertKey issue_client_cert(const CertKey& ca, const std::string& common_name,
                          const std::vector<std::string>& organizations);

// One PKI for the whole test binary.
const TestPki& shared_pki();

}  // namespace mk::http::test
