// ConfigMaps and Secrets: key names, the size limit, immutability, Secret types and base64.
#include "strategy_test_util.h"

using namespace mk::apiserver::test;

namespace {

json configmap(const std::string& name, json data) {
  return json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", std::move(data)}};
}

json secret(const std::string& name, json body) {
  body["apiVersion"] = "v1";
  body["kind"] = "Secret";
  body["metadata"] = {{"name", name}};
  return body;
}

}  // namespace

TEST_CASE("config map keys must be valid", "[configmap]") {
  Cluster c;
  c.must_create("ConfigMap", configmap("ok", {{"app.properties", "a=b"}, {"KEY_NAME", "x"}, {"key-name", "y"}}));
  auto r = c.create("ConfigMap", configmap("bad", {{"bad key", "x"}}));
  REQUIRE(!r);
  CHECK(r.error().message ==
        "ConfigMap \"bad\" is invalid: data[bad key]: Invalid value: \"bad key\": a valid config key must consist of "
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
        "validation is '[-._a-zA-Z0-9]+')");
  CHECK(r.error().causes[0].field == "data[bad key]");

  auto dots = c.create("ConfigMap", configmap("dots", {{"..secret", "x"}}));
  REQUIRE(!dots);
  CHECK(dots.error().message == "ConfigMap \"dots\" is invalid: data[..secret]: Invalid value: \"..secret\": must not start with '..'");
}

TEST_CASE("config maps hold at most 1 MiB", "[configmap]") {
  Cluster c;
  auto r = c.create("ConfigMap", configmap("big", {{"a", std::string(600 * 1024, 'x')}, {"b", std::string(600 * 1024, 'y')}}));
  REQUIRE(!r);
  CHECK(r.error().message == "ConfigMap \"big\" is invalid: : Too long: may not be more than 1048576 bytes");
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].reason == "FieldValueTooLong");
  CHECK(r.error().causes[0].field == "");
}

TEST_CASE("an immutable config map keeps its data", "[configmap]") {
  Cluster c;
  json cm = configmap("frozen", {{"a", "1"}});
  cm["immutable"] = true;
  json stored = c.must_create("ConfigMap", cm);
  stored["data"]["a"] = "2";
  auto r = c.update("ConfigMap", stored);
  REQUIRE(!r);
  CHECK(r.error().message == "ConfigMap \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set");
}

TEST_CASE("secrets default to Opaque and fold stringData into data", "[secret]") {
  Cluster c;
  json stored = c.must_create("Secret", secret("creds", {{"stringData", {{"password", "s3cret"}}}, {"data", {{"user", "YWRtaW4="}}}}));
  CHECK(stored["type"] == "Opaque");
  CHECK(stored["data"] == json{{"password", "czNjcmV0"}, {"user", "YWRtaW4="}});
  CHECK_FALSE(stored.contains("stringData"));
}

TEST_CASE("secret values must be base64", "[secret]") {
  Cluster c;
  auto r = c.create("Secret", secret("bad", {{"data", {{"key", "abc!"}}}}));
  REQUIRE(!r);
  CHECK(r.error().code == 400);
  CHECK(r.error().message == "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3");
  auto short_pad = c.create("Secret", secret("bad2", {{"data", {{"key", "YWJj="}}}}));
  REQUIRE(!short_pad);
  CHECK(short_pad.error().message == "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 4");
}

TEST_CASE("typed secrets need their keys, and the type is fixed", "[secret]") {
  Cluster c;
  auto r = c.create("Secret", secret("tls", {{"type", "kubernetes.io/tls"}, {"data", {{"ca.crt", "eA=="}}}}));
  REQUIRE(!r);
  CHECK(r.error().message ==
        "Secret \"tls\" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]");
  CHECK(has_cause(r.error(), "FieldValueRequired", "data[tls.crt]", "data[tls.crt]: Required value"));

  auto docker = c.create("Secret", secret("pull", {{"type", "kubernetes.io/dockerconfigjson"}, {"data", {{".dockerconfigjson", "eA=="}}}}));
  REQUIRE(!docker);
  CHECK(docker.error().message ==
        "Secret \"pull\" is invalid: data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid "
        "character 'x' looking for beginning of value");

  json stored = c.must_create("Secret", secret("tls", {{"type", "kubernetes.io/tls"}, {"data", {{"tls.crt", "eA=="}, {"tls.key", "eQ=="}}}}));
  stored["type"] = "Opaque";
  auto r2 = c.update("Secret", stored);
  REQUIRE(!r2);
  CHECK(r2.error().message == "Secret \"tls\" is invalid: type: Invalid value: \"Opaque\": field is immutable");
}
