// ensure_server_pki: first start, restart, renewal, new SANs, and damaged files.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "pki/temp_dir.h"
#include "pki/x509_probe.h"
#include "server/pki/authority.h"
#include "server/pki/cert.h"
#include "server/pki/key.h"
#include "server/pki/server_pki.h"

using namespace mk;
using namespace mk::pki;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

PkiOptions options_for(const test::TempDir& dir) {
  PkiOptions o;
  o.data_dir = dir.path() / "data";
  o.extra_sans = {"api.example.test", "198.51.100.7"};
  return o;
}

std::map<std::string, std::string> snapshot(const PkiPaths& p) {
  std::map<std::string, std::string> out;
  for (const auto& f : {p.server_ca_cert, p.server_ca_key, p.client_ca_cert, p.client_ca_key, p.serving_cert,
                        p.serving_key, p.admin_cert, p.admin_key, p.service_key, p.token, p.node_token}) {
    out[f.filename().string()] = test::slurp(f);
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("first start creates every file, keys 0600", "[pki][server]") {
  test::TempDir dir;
  auto pki = ensure_server_pki(options_for(dir));
  REQUIRE(pki);
  const PkiPaths& p = pki->paths;
  CHECK(p.tls_dir == dir.path() / "data" / "server" / "tls");
  CHECK(test::file_mode(p.tls_dir) == 0700);
  for (const auto& key : {p.server_ca_key, p.client_ca_key, p.serving_key, p.admin_key, p.service_key, p.token,
                          p.node_token}) {
    INFO(key.string());
    CHECK(test::file_mode(key) == 0600);
  }
  for (const auto& cert : {p.server_ca_cert, p.client_ca_cert, p.serving_cert, p.admin_cert}) {
    INFO(cert.string());
    CHECK(test::file_mode(cert) == 0644);
  }
  // What was returned is what is on disk.
  CHECK(test::slurp(p.server_ca_cert) == pki->server_ca.cert_pem);
  CHECK(test::slurp(p.serving_cert) == pki->serving.cert_pem);
  CHECK(test::slurp(p.admin_key) == pki->admin.key_pem);
  CHECK(test::slurp(p.service_key) == pki->service_key_pem);
  CHECK(test::key_curve(pki->service_key_pem) == "prime256v1");

  auto server_ca = parse_certificate(pki->server_ca.cert_pem);
  REQUIRE(server_ca);
  CHECK(server_ca->subject.common_name.rfind("minikube-server-ca@", 0) == 0);
  CHECK(server_ca->is_ca);
  CHECK(test::days_left(pki->server_ca.cert_pem) >= 3649);
  auto client_ca = parse_certificate(pki->client_ca.cert_pem);
  REQUIRE(client_ca);
  CHECK(client_ca->subject.common_name.rfind("minikube-client-ca@", 0) == 0);
  CHECK(pki->server_ca.cert_pem != pki->client_ca.cert_pem);
}

TEST_CASE("the serving certificate verifies against the server CA and has every SAN", "[pki][server]") {
  test::TempDir dir;
  auto pki = ensure_server_pki(options_for(dir));
  REQUIRE(pki);
  CHECK(test::openssl_verify(pki->serving.cert_pem, pki->server_ca.cert_pem, "server") == "");
  CHECK(test::openssl_verify(pki->serving.cert_pem, pki->client_ca.cert_pem, "server") != "");
  auto sans = test::printed_sans(pki->serving.cert_pem);
  for (const char* want : {"IP Address:10.43.0.1", "IP Address:127.0.0.1", "DNS:localhost", "DNS:kubernetes",
                           "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
                           "DNS:kubernetes.default.svc.cluster.local", "DNS:api.example.test",
                           "IP Address:198.51.100.7"}) {
    INFO(want);
    CHECK(has(sans, want));
  }
  auto host = host_addresses();
  REQUIRE(host);
  auto info = parse_certificate(pki->serving.cert_pem);
  REQUIRE(info);
  for (const auto& a : *host) {
    INFO(a);
    CHECK(std::binary_search(info->sans.ip_addresses.begin(), info->sans.ip_addresses.end(), a));
  }
  int days = test::days_left(pki->serving.cert_pem);
  CHECK(days >= 364);
  CHECK(days <= 365);
}

TEST_CASE("the admin certificate is system:admin in system:masters from the client CA", "[pki][server]") {
  test::TempDir dir;
  auto pki = ensure_server_pki(options_for(dir));
  REQUIRE(pki);
  CHECK(test::printed_subject(pki->admin.cert_pem) == "CN=system:admin,O=system:masters");
  CHECK(test::openssl_verify(pki->admin.cert_pem, pki->client_ca.cert_pem, "client") == "");
  CHECK(test::openssl_verify(pki->admin.cert_pem, pki->server_ca.cert_pem, "client") != "");
  CHECK(check_key_matches_cert(pki->admin.cert_pem, pki->admin.key_pem));
}

TEST_CASE("restart reuses every file byte for byte", "[pki][server]") {
  test::TempDir dir;
  auto first = ensure_server_pki(options_for(dir));
  REQUIRE(first);
  auto before = snapshot(first->paths);
  auto second = ensure_server_pki(options_for(dir));
  REQUIRE(second);
  CHECK(snapshot(second->paths) == before);
  CHECK(second->serving.cert_pem == first->serving.cert_pem);
  CHECK(second->token == first->token);
}

TEST_CASE("a leaf expiring within 90 days is re-issued from the same CA", "[pki][server]") {
  test::TempDir dir;
  auto first = ensure_server_pki(options_for(dir));
  REQUIRE(first);
  const PkiPaths& p = first->paths;
  // Replace both leaves with ones from the same CAs that expire in 30 days.
  auto short_serving = issue_serving_cert(first->server_ca, "kube-apiserver", first->serving_sans, std::chrono::days(30));
  REQUIRE(short_serving);
  test::spit(p.serving_cert, short_serving->cert_pem);
  test::spit(p.serving_key, short_serving->key_pem);
  auto short_admin = issue_client_cert(first->client_ca, "system:admin", {"system:masters"}, std::chrono::days(30));
  REQUIRE(short_admin);
  test::spit(p.admin_cert, short_admin->cert_pem);
  test::spit(p.admin_key, short_admin->key_pem);
  auto before = snapshot(p);

  auto second = ensure_server_pki(options_for(dir));
  REQUIRE(second);
  auto after = snapshot(p);
  CHECK(after["server-ca.crt"] == before["server-ca.crt"]);
  CHECK(after["server-ca.key"] == before["server-ca.key"]);
  CHECK(after["client-ca.crt"] == before["client-ca.crt"]);
  CHECK(after["token"] == before["token"]);
  CHECK(after["serving-kube-apiserver.crt"] != short_serving->cert_pem);
  CHECK(after["serving-kube-apiserver.key"] != short_serving->key_pem);
  CHECK(after["client-admin.crt"] != short_admin->cert_pem);
  CHECK(test::days_left(second->serving.cert_pem) >= 364);
  CHECK(test::days_left(second->admin.cert_pem) >= 364);
  CHECK(test::openssl_verify(second->serving.cert_pem, second->server_ca.cert_pem, "server") == "");
  CHECK(test::openssl_verify(second->admin.cert_pem, second->client_ca.cert_pem, "client") == "");
  CHECK(test::file_mode(p.serving_key) == 0600);
}

TEST_CASE("renewal follows the renew_before option", "[pki][server]") {
  test::TempDir dir;
  auto o = options_for(dir);
  REQUIRE(ensure_server_pki(o));
  auto before = snapshot(pki_paths(o.data_dir));
  // A 365-day leaf is due once the window reaches past its end.
  o.leaf_validity = std::chrono::days(400);
  o.renew_before = std::chrono::days(366);
  REQUIRE(ensure_server_pki(o));
  auto after = snapshot(pki_paths(o.data_dir));
  CHECK(after["server-ca.crt"] == before["server-ca.crt"]);
  CHECK(after["serving-kube-apiserver.crt"] != before["serving-kube-apiserver.crt"]);
  CHECK(after["client-admin.crt"] != before["client-admin.crt"]);
}

TEST_CASE("a new --tls-san re-issues the serving certificate only", "[pki][server]") {
  test::TempDir dir;
  auto o = options_for(dir);
  auto first = ensure_server_pki(o);
  REQUIRE(first);
  auto before = snapshot(first->paths);

  o.extra_sans.push_back("new.example.test");
  auto second = ensure_server_pki(o);
  REQUIRE(second);
  auto after = snapshot(second->paths);
  CHECK(after["serving-kube-apiserver.crt"] != before["serving-kube-apiserver.crt"]);
  CHECK(has(test::printed_sans(second->serving.cert_pem), "DNS:new.example.test"));
  CHECK(test::openssl_verify(second->serving.cert_pem, second->server_ca.cert_pem, "server") == "");
  after.erase("serving-kube-apiserver.crt");
  after.erase("serving-kube-apiserver.key");
  before.erase("serving-kube-apiserver.crt");
  before.erase("serving-kube-apiserver.key");
  CHECK(after == before);

  // Dropping a name does not churn the certificate: it still covers what is wanted.
  o.extra_sans = {"api.example.test"};
  auto third = ensure_server_pki(o);
  REQUIRE(third);
  CHECK(third->serving.cert_pem == second->serving.cert_pem);
}

TEST_CASE("a leaf whose key does not match is re-issued", "[pki][server]") {
  test::TempDir dir;
  auto first = ensure_server_pki(options_for(dir));
  REQUIRE(first);
  auto other = generate_private_key();
  REQUIRE(other);
  test::spit(first->paths.serving_key, *other);
  auto second = ensure_server_pki(options_for(dir));
  REQUIRE(second);
  CHECK(second->serving.cert_pem != first->serving.cert_pem);
  CHECK(check_key_matches_cert(second->serving.cert_pem, second->serving.key_pem));
}

TEST_CASE("a corrupt file is an error naming it, and nothing is replaced", "[pki][server]") {
  test::TempDir dir;
  auto first = ensure_server_pki(options_for(dir));
  REQUIRE(first);
  const PkiPaths& p = first->paths;

  for (const auto& victim : {p.server_ca_key, p.client_ca_cert, p.serving_key, p.admin_cert, p.service_key}) {
    INFO(victim.string());
    std::string original = test::slurp(victim);
    std::string damaged = original;
    damaged[damaged.size() / 2] = damaged[damaged.size() / 2] == 'A' ? 'B' : 'A';
    damaged.resize(damaged.size() - 40);
    test::spit(victim, damaged);

    auto r = ensure_server_pki(options_for(dir));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::corrupt);
    CHECK(r.error().message.find(victim.string()) != std::string::npos);
    CHECK(test::slurp(victim) == damaged);
    test::spit(victim, original);
  }
  auto again = ensure_server_pki(options_for(dir));
  REQUIRE(again);
  CHECK(again->server_ca.cert_pem == first->server_ca.cert_pem);
}

TEST_CASE("a CA missing half its pair is never replaced", "[pki][server]") {
  test::TempDir dir;
  auto first = ensure_server_pki(options_for(dir));
  REQUIRE(first);
  const PkiPaths& p = first->paths;
  fs::remove(p.server_ca_key);
  auto r = ensure_server_pki(options_for(dir));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::not_found);
  CHECK(r.error().message.find(p.server_ca_key.string()) != std::string::npos);
  CHECK(test::slurp(p.server_ca_cert) == first->server_ca.cert_pem);
  CHECK_FALSE(fs::exists(p.server_ca_key));
}

TEST_CASE("a CA whose key belongs to the other CA is refused", "[pki][server]") {
  test::TempDir dir;
  auto first = ensure_server_pki(options_for(dir));
  REQUIRE(first);
  test::spit(first->paths.server_ca_key, first->client_ca.key_pem);
  auto r = ensure_server_pki(options_for(dir));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::corrupt);
  CHECK(r.error().message.find("does not match") != std::string::npos);
}

TEST_CASE("an expired CA is an error", "[pki][server]") {
  test::TempDir dir;
  auto o = options_for(dir);
  const PkiPaths p = pki_paths(o.data_dir);
  fs::create_directories(p.tls_dir);
  auto ca = create_ca("minikube-server-ca@1", 1s);
  REQUIRE(ca);
  test::spit(p.server_ca_cert, ca->cert_pem);
  test::spit(p.server_ca_key, ca->key_pem);
  std::this_thread::sleep_for(2100ms);
  auto r = ensure_server_pki(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unavailable);
  CHECK(r.error().message.find("expired") != std::string::npos);
  CHECK(test::slurp(p.server_ca_cert) == ca->cert_pem);
}

TEST_CASE("a replaced CA gets new leaves and a token with its hash", "[pki][server]") {
  test::TempDir dir;
  auto first = ensure_server_pki(options_for(dir));
  REQUIRE(first);
  const PkiPaths& p = first->paths;
  fs::remove(p.server_ca_cert);
  fs::remove(p.server_ca_key);
  auto second = ensure_server_pki(options_for(dir));
  REQUIRE(second);
  CHECK(second->server_ca.cert_pem != first->server_ca.cert_pem);
  CHECK(second->serving.cert_pem != first->serving.cert_pem);
  CHECK(test::openssl_verify(second->serving.cert_pem, second->server_ca.cert_pem, "server") == "");
  CHECK(second->admin.cert_pem == first->admin.cert_pem);  // the client CA did not change
  CHECK(second->token.password == first->token.password);
  CHECK(second->token.ca_hash == test::sha256_file_hex(p.server_ca_cert));
}

TEST_CASE("bad options are refused before anything is written", "[pki][server]") {
  test::TempDir dir;
  auto o = options_for(dir);
  o.extra_sans = {"bad name"};
  auto r = ensure_server_pki(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK_FALSE(fs::exists(o.data_dir));

  o = options_for(dir);
  o.renew_before = o.leaf_validity;
  CHECK(ensure_server_pki(o).error().code == Errc::invalid_argument);
  o = options_for(dir);
  o.service_cidr = "10.43.0.0/40";
  CHECK(ensure_server_pki(o).error().code == Errc::invalid_argument);
  CHECK_FALSE(fs::exists(o.data_dir));
}
