// Join token: format, parsing, creation once, reuse, and the CA hash.

#include <catch2/catch.hpp>

#include <regex>

#include "pki/temp_dir.h"
#include "pki/x509_probe.h"
#include "server/pki/server_pki.h"
#include "server/pki/token.h"

using namespace mk;
using namespace mk::pki;

namespace {

const std::string kHash(64, 'a');

}  // namespace

TEST_CASE("parse_join_token reads full and short tokens", "[pki][token]") {
  auto full = parse_join_token("K10" + kHash + "::server:s3cret\n");
  REQUIRE(full);
  CHECK(full->ca_hash == kHash);
  CHECK(full->username == "server");
  CHECK(full->password == "s3cret");
  CHECK(full->to_string() == "K10" + kHash + "::server:s3cret");

  auto upper = parse_join_token("K10" + std::string(64, 'B') + "::node:a:b");
  REQUIRE(upper);
  CHECK(upper->ca_hash == std::string(64, 'b'));
  CHECK(upper->username == "node");
  CHECK(upper->password == "a:b");

  auto no_user = parse_join_token("K10" + kHash + "::justpassword");
  REQUIRE(no_user);
  CHECK(no_user->username.empty());
  CHECK(no_user->password == "justpassword");

  auto short_token = parse_join_token("  mysecret ");
  REQUIRE(short_token);
  CHECK(short_token->ca_hash.empty());
  CHECK(short_token->password == "mysecret");
  CHECK(short_token->to_string() == "mysecret");
}

TEST_CASE("parse_join_token rejects malformed tokens without echoing them", "[pki][token]") {
  const std::string bad[] = {
      "",
      "K10" + std::string(63, 'a') + "::server:pw",
      "K10" + std::string(65, 'a') + "::server:pw",
      "K10" + std::string(63, 'a') + "g::server:pw",
      "K10" + kHash + "server:pw",
      "K10" + kHash + "::",
      "K10" + kHash + "::server:",
      "K10" + kHash + "::server:pw with space",
      "K11" + kHash + "::server:pw",
  };
  for (const auto& t : bad) {
    INFO(t);
    auto r = parse_join_token(t);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_argument);
    CHECK(r.error().message.rfind("parse join token: ", 0) == 0);
    CHECK(r.error().message.find("pw") == std::string::npos);
  }
}

TEST_CASE("the server token is K10<sha256 of server-ca.crt>::server:<32 hex>, made once", "[pki][token]") {
  test::TempDir dir;
  PkiOptions o;
  o.data_dir = dir.path();
  o.include_host_addresses = false;
  auto pki = ensure_server_pki(o);
  REQUIRE(pki);
  const PkiPaths& p = pki->paths;
  std::string text = test::slurp(p.token);
  CHECK(std::regex_match(text, std::regex("K10[0-9a-f]{64}::server:[0-9a-f]{32}\n")));
  CHECK(text.substr(3, 64) == test::sha256_file_hex(p.server_ca_cert));
  CHECK(test::slurp(p.node_token) == text);
  CHECK(test::file_mode(p.token) == 0600);
  CHECK(test::file_mode(p.node_token) == 0600);
  CHECK(pki->token.to_string() + "\n" == text);
  auto parsed = parse_join_token(text);
  REQUIRE(parsed);
  CHECK(*parsed == pki->token);

  // Reused on restart; a lost node-token is restored from token.
  std::filesystem::remove(p.node_token);
  auto again = ensure_server_pki(o);
  REQUIRE(again);
  CHECK(test::slurp(p.token) == text);
  CHECK(test::slurp(p.node_token) == text);
}

TEST_CASE("a given token sets the credentials; one for another CA is refused", "[pki][token]") {
  test::TempDir dir;
  PkiOptions o;
  o.data_dir = dir.path();
  o.include_host_addresses = false;
  o.token = "my-cluster-secret";
  auto pki = ensure_server_pki(o);
  REQUIRE(pki);
  CHECK(pki->token.username == "server");
  CHECK(pki->token.password == "my-cluster-secret");
  CHECK(pki->token.ca_hash == test::sha256_file_hex(pki->paths.server_ca_cert));

  o.token = pki->token.to_string();  // the full form for the same CA is accepted
  REQUIRE(ensure_server_pki(o));

  o.token = "K10" + kHash + "::server:my-cluster-secret";
  auto wrong = ensure_server_pki(o);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == Errc::invalid_argument);
  CHECK(wrong.error().message.find("CA hash does not match") != std::string::npos);

  o.token = "bad secret";
  CHECK(ensure_server_pki(o).error().code == Errc::invalid_argument);
}

TEST_CASE("a corrupt token file is an error naming it", "[pki][token]") {
  test::TempDir dir;
  PkiOptions o;
  o.data_dir = dir.path();
  o.include_host_addresses = false;
  auto pki = ensure_server_pki(o);
  REQUIRE(pki);
  test::spit(pki->paths.token, "K10zz::server:x\n");
  auto r = ensure_server_pki(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(r.error().message.find(pki->paths.token.string()) != std::string::npos);
}
