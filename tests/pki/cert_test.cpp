// Certificate authorities, issued certificates, and the PEM-level parse/verify helpers.

#include <catch2/catch.hpp>

#include <openssl/objects.h>

#include <algorithm>
#include <chrono>

#include "pki/x509_probe.h"
#include "server/pki/authority.h"
#include "server/pki/cert.h"
#include "server/pki/key.h"

using namespace mk;
using namespace mk::pki;
using namespace std::chrono_literals;

namespace {

constexpr std::chrono::seconds kYear = std::chrono::days(365);

CertAuthority make_ca(const char* cn) {
  auto ca = create_ca(cn, std::chrono::days(3650));
  REQUIRE(ca);
  return *ca;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("create_ca makes a self-signed P-256 CA with critical CA:TRUE and keyCertSign", "[pki][cert]") {
  CertAuthority ca = make_ca("test-ca@1");
  CHECK(test::is_ca(ca.cert_pem));
  CHECK(test::printed_extension(ca.cert_pem, NID_basic_constraints) == "CA:TRUE");
  CHECK(test::extension_critical(ca.cert_pem, NID_basic_constraints));
  CHECK(test::printed_extension(ca.cert_pem, NID_key_usage).find("Certificate Sign") != std::string::npos);
  CHECK(test::printed_extension(ca.cert_pem, NID_subject_key_identifier) != "");
  CHECK(test::signature_algorithm(ca.cert_pem) == "ecdsa-with-SHA256");
  CHECK(test::key_curve(ca.key_pem) == "prime256v1");
  CHECK(test::printed_subject(ca.cert_pem) == "CN=test-ca@1");
  CHECK(test::openssl_verify(ca.cert_pem, ca.cert_pem, "") == "");
  int days = test::days_left(ca.cert_pem);
  CHECK(days >= 3649);
  CHECK(days <= 3650);

  auto info = parse_certificate(ca.cert_pem);
  REQUIRE(info);
  CHECK(info->is_ca);
  CHECK(info->subject.common_name == "test-ca@1");
  CHECK(info->issuer.common_name == "test-ca@1");
  CHECK(info->not_before < std::chrono::system_clock::now());
  CHECK(check_key_matches_cert(ca.cert_pem, ca.key_pem));
}

TEST_CASE("serial numbers are random, positive and about 128 bits", "[pki][cert]") {
  CertAuthority ca = make_ca("serial-ca");
  std::vector<std::string> serials;
  for (int i = 0; i < 8; ++i) {
    auto pair = issue_client_cert(ca, "u", {}, kYear);
    REQUIRE(pair);
    int bits = test::serial_bits(pair->cert_pem);
    CHECK(bits > 100);
    CHECK(bits <= 127);
    serials.push_back(parse_certificate(pair->cert_pem)->serial_hex);
  }
  std::sort(serials.begin(), serials.end());
  CHECK(std::unique(serials.begin(), serials.end()) == serials.end());
}

TEST_CASE("issue_client_cert: CN is the user, one O per group, clientAuth only", "[pki][cert]") {
  CertAuthority ca = make_ca("client-ca");
  auto pair = issue_client_cert(ca, "system:node:worker-1", {"system:nodes", "team-a"}, kYear);
  REQUIRE(pair);
  CHECK(test::printed_subject(pair->cert_pem) == "CN=system:node:worker-1,O=team-a,O=system:nodes");
  CHECK(test::printed_extension(pair->cert_pem, NID_ext_key_usage) == "TLS Web Client Authentication");
  CHECK(test::printed_extension(pair->cert_pem, NID_key_usage) == "Digital Signature, Key Encipherment");
  CHECK(test::printed_extension(pair->cert_pem, NID_basic_constraints) == "CA:FALSE");
  CHECK(test::printed_extension(pair->cert_pem, NID_authority_key_identifier) != "");
  CHECK_FALSE(test::is_ca(pair->cert_pem));
  CHECK(test::key_curve(pair->key_pem) == "prime256v1");
  CHECK(test::openssl_verify(pair->cert_pem, ca.cert_pem, "client") == "");
  CHECK(test::openssl_verify(pair->cert_pem, ca.cert_pem, "server") != "");

  auto subject = parse_subject(pair->cert_pem);
  REQUIRE(subject);
  CHECK(subject->common_name == "system:node:worker-1");
  CHECK(subject->organizations == std::vector<std::string>{"system:nodes", "team-a"});

  CHECK(verify_certificate(pair->cert_pem, ca.cert_pem, CertPurpose::client));
  auto wrong_purpose = verify_certificate(pair->cert_pem, ca.cert_pem, CertPurpose::server);
  REQUIRE_FALSE(wrong_purpose);
  CHECK(wrong_purpose.error().code == Errc::permission_denied);
  CHECK(check_key_matches_cert(pair->cert_pem, pair->key_pem));
}

TEST_CASE("issue_serving_cert carries the SANs and serverAuth", "[pki][cert]") {
  CertAuthority ca = make_ca("server-ca");
  SanSet sans{{"kubernetes.default.svc.cluster.local", "localhost"}, {"10.43.0.1", "127.0.0.1", "::1"}};
  auto pair = issue_serving_cert(ca, "kube-apiserver", sans, kYear);
  REQUIRE(pair);
  auto printed = test::printed_sans(pair->cert_pem);
  CHECK(has(printed, "DNS:kubernetes.default.svc.cluster.local"));
  CHECK(has(printed, "DNS:localhost"));
  CHECK(has(printed, "IP Address:10.43.0.1"));
  CHECK(has(printed, "IP Address:127.0.0.1"));
  CHECK(has(printed, "IP Address:0:0:0:0:0:0:0:1"));
  CHECK(test::printed_extension(pair->cert_pem, NID_ext_key_usage) == "TLS Web Server Authentication");
  CHECK(test::openssl_verify(pair->cert_pem, ca.cert_pem, "server") == "");

  auto info = parse_certificate(pair->cert_pem);
  REQUIRE(info);
  CHECK(info->sans == sans);
  CHECK(info->issuer.common_name == "server-ca");
  CHECK_FALSE(info->is_ca);
  auto left = info->not_after - std::chrono::system_clock::now();
  CHECK(left > kYear - 1h);
  CHECK(left <= kYear);
}

TEST_CASE("verification fails against another CA", "[pki][cert]") {
  CertAuthority a = make_ca("ca-a");
  CertAuthority b = make_ca("ca-b");
  auto pair = issue_client_cert(a, "u", {}, kYear);
  REQUIRE(pair);
  auto st = verify_certificate(pair->cert_pem, b.cert_pem, CertPurpose::any);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::permission_denied);
  CHECK(test::openssl_verify(pair->cert_pem, b.cert_pem, "") != "");
  // A bundle holding both CAs trusts it.
  CHECK(verify_certificate(pair->cert_pem, b.cert_pem + a.cert_pem, CertPurpose::client));
}

TEST_CASE("names longer than X.520's 64 characters are accepted", "[pki][cert]") {
  CertAuthority ca = make_ca("ca");
  std::string node(200, 'n');
  auto pair = issue_client_cert(ca, "system:node:" + node, {"system:nodes"}, kYear);
  REQUIRE(pair);
  CHECK(parse_subject(pair->cert_pem)->common_name == "system:node:" + node);
}

TEST_CASE("bad input gives clear errors", "[pki][cert]") {
  CertAuthority ca = make_ca("ca");
  auto garbage = parse_certificate("not a certificate");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == Errc::corrupt);
  CHECK(garbage.error().message == "parse certificate: no PEM block found");

  std::string truncated = ca.cert_pem.substr(0, ca.cert_pem.size() / 2) + "\n-----END CERTIFICATE-----\n";
  auto cut = parse_certificate(truncated);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().code == Errc::corrupt);

  auto bad_key = check_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  REQUIRE_FALSE(bad_key);
  CHECK(bad_key.error().code == Errc::corrupt);
  CHECK(bad_key.error().message.rfind("parse private key: ", 0) == 0);

  CertAuthority other = make_ca("other");
  auto mismatch = check_key_matches_cert(ca.cert_pem, other.key_pem);
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().code == Errc::invalid_argument);

  CHECK(create_ca("x", 0s).error().code == Errc::invalid_argument);
  CHECK(issue_client_cert(CertAuthority{"junk", "junk"}, "u", {}, kYear).error().code == Errc::corrupt);
}

TEST_CASE("public_key_pem gives the public half", "[pki][cert]") {
  auto key = generate_private_key();
  REQUIRE(key);
  auto pub = public_key_pem(*key);
  REQUIRE(pub);
  CHECK(pub->rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  CHECK(pub->find("PRIVATE") == std::string::npos);
}

TEST_CASE("format_time prints UTC ISO 8601", "[pki][cert]") {
  CHECK(format_time(std::chrono::sys_seconds(std::chrono::seconds(0))) == "1970-01-01T00:00:00Z");
  CHECK(format_time(std::chrono::sys_seconds(std::chrono::seconds(2085978496))) == "2036-02-07T06:28:16Z");
}
