// serviceaccounts/token and the authenticator's side of it: a signed JWT that authenticates as
// the service account until it expires or the account goes away.
#include <chrono>

#include "api/json_path.h"
#include "registry_fixture.h"
#include "server/apiserver/authn.h"
#include "server/apiserver/subresources/base64url.h"
#include "server/apiserver/subresources/token_request.h"
#include "test_keys.h"

using namespace mk::apiserver;
using namespace mk::apiserver::test;

namespace {

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<const ServiceAccountTokens> make_tokens(const std::string& pem) {
  auto key = TokenKey::load(pem);
  if (!key) FAIL("load key: " << key.error().message);
  return std::make_shared<ServiceAccountTokens>(*key, std::string(kDefaultServiceAccountIssuer));
}

json segment(const std::string& token, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  size_t end = token.find('.', start);
  auto bytes = base64url_decode(token.substr(start, end == std::string::npos ? std::string::npos : end - start));
  REQUIRE(bytes);
  return json::parse(*bytes);
}

// An authenticator that checks tokens against the fixture's store.
std::unique_ptr<Authenticator> authenticator(RegistryFixture& f, std::shared_ptr<const ServiceAccountTokens> tokens) {
  auto a = std::make_unique<Authenticator>();
  Registry* registry = &f.registry();
  a->use_service_account_tokens(std::move(tokens), [registry](const std::string& kind, const std::string& ns,
                                                              const std::string& name) -> std::optional<std::string> {
    const auto* k = registry->context().kinds.by_kind("", "v1", kind);
    auto obj = registry->get(*k, k->namespaced ? ns : "", name);
    if (!obj) return std::nullopt;
    return mk::api::string_at(*obj, "metadata.uid");
  });
  return a;
}

json service_account(const std::string& name) {
  return json{{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", name}}}};
}

std::string bearer_user(const Authenticator& a, const std::string& token) {
  mk::http::Request req;
  req.headers.emplace_back("Authorization", "Bearer " + token);
  return a.authenticate(req).name;
}

}  // namespace

TEST_CASE("base64url round-trips without padding", "[token]") {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00\x01", 4)}) {
    std::string e = base64url_encode(s);
    CHECK(e.find('=') == std::string::npos);
    CHECK(base64url_decode(e) == s);
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64url_decode("a"));
  CHECK_FALSE(base64url_decode("ab+/"));
}

TEST_CASE("a TokenRequest issues an ES256 JWT with upstream's claims", "[token]") {
  RegistryFixture f;
  json sa = f.must_create("", "ServiceAccount", service_account("default"));
  auto tokens = make_tokens(generate_key_pem());
  int64_t t = now();
  json req = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"}, {"spec", json::object()}};
  auto r = request_token(f.registry(), tokens.get(), "default", "default", req, t);
  REQUIRE(r);
  CHECK((*r)["kind"] == "TokenRequest");
  CHECK((*r)["metadata"]["name"] == "default");
  CHECK((*r)["metadata"]["namespace"] == "default");
  CHECK((*r)["spec"]["expirationSeconds"] == 3600);
  CHECK((*r)["spec"]["audiences"] == json{"https://kubernetes.default.svc.cluster.local"});
  std::string token = (*r)["status"]["token"];
  CHECK(!(*r)["status"]["expirationTimestamp"].get<std::string>().empty());

  json header = segment(token, 0);
  CHECK(header["alg"] == "ES256");
  CHECK(header["kid"].get<std::string>().size() == 43);  // SHA-256, base64url
  json claims = segment(token, 1);
  CHECK(claims["iss"] == "https://kubernetes.default.svc.cluster.local");
  CHECK(claims["sub"] == "system:serviceaccount:default:default");
  CHECK(claims["aud"] == json{"https://kubernetes.default.svc.cluster.local"});
  CHECK(claims["iat"] == t);
  CHECK(claims["nbf"] == t);
  CHECK(claims["exp"] == t + 3600);
  CHECK(claims["kubernetes.io"]["namespace"] == "default");
  CHECK(claims["kubernetes.io"]["serviceaccount"] == json{{"name", "default"}, {"uid", sa["metadata"]["uid"]}});
  CHECK_FALSE(claims["kubernetes.io"].contains("pod"));
}

TEST_CASE("a TokenRequest is validated", "[token]") {
  RegistryFixture f;
  f.must_create("", "ServiceAccount", service_account("default"));
  auto tokens = make_tokens(generate_key_pem());
  json short_lived = {{"spec", {{"expirationSeconds", 599}}}};
  auto r = request_token(f.registry(), tokens.get(), "default", "default", short_lived, now());
  REQUIRE(!r);
  CHECK(r.error().code == 422);
  CHECK(r.error().message ==
        "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a "
        "duration less than 10 minutes");

  auto missing = request_token(f.registry(), tokens.get(), "default", "robot", json::object(), now());
  REQUIRE(!missing);
  CHECK(missing.error().code == 404);
  CHECK(missing.error().message == "serviceaccounts \"robot\" not found");

  auto unsigned_server = request_token(f.registry(), nullptr, "default", "default", json::object(), now());
  REQUIRE(!unsigned_server);
  CHECK(unsigned_server.error().code == 503);

  json other_name = {{"metadata", {{"name", "robot"}}}};
  auto renamed = request_token(f.registry(), tokens.get(), "default", "default", other_name, now());
  REQUIRE(!renamed);
  CHECK(renamed.error().code == 422);
}

TEST_CASE("the authenticator accepts the token until it expires or the account goes", "[token]") {
  RegistryFixture f;
  f.must_create("", "ServiceAccount", service_account("default"));
  auto tokens = make_tokens(generate_key_pem());
  auto a = authenticator(f, tokens);
  auto r = request_token(f.registry(), tokens.get(), "default", "default", json::object(), now());
  REQUIRE(r);
  std::string token = (*r)["status"]["token"];

  SECTION("valid") {
    auto check = a->check_token(token, {});
    INFO(check.error);
    REQUIRE(check.authenticated);
    CHECK(check.user.name == "system:serviceaccount:default:default");
    CHECK(check.user.groups ==
          std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"});
    CHECK(check.uid == f.must_get("", "ServiceAccount", "default")["metadata"]["uid"].get<std::string>());
    CHECK(bearer_user(*a, token) == "system:serviceaccount:default:default");
  }
  SECTION("expired") {
    auto sa = f.must_get("", "ServiceAccount", "default");
    ServiceAccountClaims c;
    c.namespace_ = "default";
    c.name = "default";
    c.uid = sa["metadata"]["uid"].get<std::string>();
    c.audiences = tokens->api_audiences();
    c.issued_at = now() - 7200;
    c.expires_at = now() - 3600;
    auto old = tokens->issue(c);
    REQUIRE(old);
    auto check = a->check_token(*old, {});
    CHECK_FALSE(check.authenticated);
    CHECK(check.error == "invalid bearer token, the token has expired");
    CHECK(bearer_user(*a, *old).empty());
  }
  SECTION("signed by another key") {
    auto stranger = make_tokens(generate_key_pem());
    auto forged = request_token(f.registry(), stranger.get(), "default", "default", json::object(), now());
    REQUIRE(forged);
    CHECK_FALSE(a->check_token((*forged)["status"]["token"].get<std::string>(), {}).authenticated);
    // The same claims with the signature of another token.
    std::string mine = token.substr(0, token.rfind('.'));
    std::string theirs = (*forged)["status"]["token"].get<std::string>();
    auto spliced = a->check_token(mine + theirs.substr(theirs.rfind('.')), {});
    CHECK_FALSE(spliced.authenticated);
    CHECK(spliced.error == "invalid bearer token, invalid signature");
  }
  SECTION("tampered claims") {
    size_t dot1 = token.find('.');
    size_t dot2 = token.find('.', dot1 + 1);
    json claims = segment(token, 1);
    claims["sub"] = "system:serviceaccount:default:admin";
    claims["kubernetes.io"]["serviceaccount"]["name"] = "admin";
    std::string tampered = token.substr(0, dot1 + 1) + base64url_encode(claims.dump()) + token.substr(dot2);
    CHECK_FALSE(a->check_token(tampered, {}).authenticated);
  }
  SECTION("the service account was deleted, or deleted and recreated") {
    const auto& k = RegistryFixture::kind("", "ServiceAccount");
    REQUIRE(f.registry().remove(k, "default", "default", {}));
    auto gone = a->check_token(token, {});
    CHECK_FALSE(gone.authenticated);
    CHECK(gone.error == "invalid bearer token, service account default/default has been deleted");
    f.must_create("", "ServiceAccount", service_account("default"));
    CHECK_FALSE(a->check_token(token, {}).authenticated);
  }
  SECTION("another audience") {
    json req = {{"spec", {{"audiences", {"vault"}}}}};
    auto vault = request_token(f.registry(), tokens.get(), "default", "default", req, now());
    REQUIRE(vault);
    std::string v = (*vault)["status"]["token"];
    CHECK_FALSE(a->check_token(v, {}).authenticated);
    auto for_vault = a->check_token(v, {"vault"});
    CHECK(for_vault.authenticated);
    CHECK(for_vault.audiences == std::vector<std::string>{"vault"});
  }
}

TEST_CASE("a token bound to a pod lives as long as the pod", "[token]") {
  RegistryFixture f;
  f.must_create("", "ServiceAccount", service_account("default"));
  json p = f.must_create("", "Pod", pod("web"));
  auto tokens = make_tokens(generate_key_pem("RSA"));
  auto a = authenticator(f, tokens);
  json req = {{"spec", {{"boundObjectRef", {{"kind", "Pod"}, {"apiVersion", "v1"}, {"name", "web"}}}}}};
  auto r = request_token(f.registry(), tokens.get(), "default", "default", req, now());
  REQUIRE(r);
  std::string token = (*r)["status"]["token"];
  CHECK(segment(token, 0)["alg"] == "RS256");
  CHECK(segment(token, 1)["kubernetes.io"]["pod"] == json{{"name", "web"}, {"uid", p["metadata"]["uid"]}});
  CHECK(a->check_token(token, {}).authenticated);
  REQUIRE(f.registry().remove(RegistryFixture::kind("", "Pod"), "default", "web", {}));
  CHECK_FALSE(a->check_token(token, {}).authenticated);

  json wrong_kind = {{"spec", {{"boundObjectRef", {{"kind", "Deployment"}, {"apiVersion", "apps/v1"}, {"name", "web"}}}}}};
  auto bad = request_token(f.registry(), tokens.get(), "default", "default", wrong_kind, now());
  REQUIRE(!bad);
  CHECK(bad.error().code == 400);
  auto gone = request_token(f.registry(), tokens.get(), "default", "default", req, now());
  REQUIRE(!gone);
  CHECK(gone.error().code == 404);
}
