#pragma once
// Test-only checks that read certificates with OpenSSL directly instead of through mk_pki, so
// the tests do not grade the library with its own parser.

#include <filesystem>
#include <string>
#include <vector>

namespace mk::pki::test {

// X509_verify_cert of cert against the single CA certificate ca, for purpose "server",
// "client" or "" (any). Returns "" when it verifies, OpenSSL's reason otherwise.
std::string openssl_verify(const std::string& cert_pem, const std::string& ca_pem, const std::string& purpose);

// subjectAltName entries as OpenSSL prints them: "DNS:kubernetes", "IP Address:10.43.0.1".
std::vector<std::string> printed_sans(const std::string& cert_pem);

// The subject in RFC 2253 form, e.g. "CN=system:admin,O=system:masters".
std::string printed_subject(const std::string& cert_pem);

// An extension as OpenSSL prints it ("CA:TRUE", "TLS Web Server Authentication"); "" if absent.
std::string printed_extension(const std::string& cert_pem, int nid);
bool extension_critical(const std::string& cert_pem, int nid);

bool is_ca(const std::string& cert_pem);
int serial_bits(const std::string& cert_pem);
std::string signature_algorithm(const std::string& cert_pem);  // e.g. "ecdsa-with-SHA256"
std::string key_curve(const std::string& key_pem);              // e.g. "prime256v1", "" if not EC

// Whole days from now until the certificate's notAfter (negative when expired).
int days_left(const std::string& cert_pem);

std::string sha256_file_hex(const std::filesystem::path& path);
std::string slurp(const std::filesystem::path& path);
void spit(const std::filesystem::path& path, const std::string& data);
unsigned file_mode(const std::filesystem::path& path);  // permission bits only

}  // namespace mk::pki::test
