// Volume files as the kubelet writes them: the atomic ..data swap, modes, items, optional
// sources, downwardAPI and projected volumes, service-account tokens kept while fresh.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/kubelet/atomic_writer.h"
#include "agent/fake_config_source.h"
#include "agent/kubelet/pull_secrets.h"
#include "agent/kubelet/volume_payload.h"

using namespace mk::agent::kubelet;
using mk::agent::kubelet::testing::FakeSource;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Dir {
  std::string path;
  Dir() {
    std::string t = (fs::temp_directory_path() / "mk-volfiles-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read(const std::string& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int mode(const std::string& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

json test_pod() {
  return {{"metadata", {{"name", "web"}, {"namespace", "shop"}, {"uid", "u-1"}, {"labels", {{"app", "web"}}}}},
          {"spec",
           {{"nodeName", "n1"},
            {"serviceAccountName", "robot"},
            {"containers", json::array({{{"name", "app"}, {"resources", {{"limits", {{"memory", "64Mi"}}}}}}})}}}};
}

std::string b64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned n = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
    out += {t[n >> 18], t[(n >> 12) & 63], t[(n >> 6) & 63], t[n & 63]};
  }
  if (i + 1 == s.size()) {
    unsigned n = (unsigned char)s[i] << 16;
    out += {t[n >> 18], t[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == s.size()) {
    unsigned n = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8;
    out += {t[n >> 18], t[(n >> 12) & 63], t[(n >> 6) & 63], '='};
  }
  return out;
}

std::string b64url(const std::string& s) {
  std::string out = b64(s);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string jwt(int64_t iat, int64_t exp) {
  return b64url("{\"alg\":\"ES256\"}") + "." + b64url("{\"iat\":" + std::to_string(iat) + ",\"exp\":" + std::to_string(exp) + "}") +
         ".sig";
}

}  // namespace

TEST_CASE("the atomic writer swaps ..data and keeps only the payload's names") {
  Dir d;
  std::string dir = d.path + "/vol";
  auto first = write_atomically(dir, {{"a", {"1", 0644}}, {"sub/b", {"2", 0400}}});
  REQUIRE(first);
  CHECK(*first);
  CHECK(fs::is_symlink(dir + "/..data"));
  CHECK(fs::is_symlink(dir + "/a"));
  CHECK(fs::read_symlink(dir + "/a") == "..data/a");
  CHECK(read(dir + "/a") == "1");
  CHECK(read(dir + "/sub/b") == "2");
  CHECK(mode(dir + "/a") == 0644);
  CHECK(mode(dir + "/sub/b") == 0400);
  std::string version = fs::read_symlink(dir + "/..data").string();
  CHECK(version.rfind("..", 0) == 0);

  // The same payload changes nothing.
  auto same = write_atomically(dir, {{"a", {"1", 0644}}, {"sub/b", {"2", 0400}}});
  REQUIRE(same);
  CHECK_FALSE(*same);
  CHECK(fs::read_symlink(dir + "/..data").string() == version);

  // A mode change alone is a change; a removed name goes; the old version directory goes.
  auto next = write_atomically(dir, {{"a", {"1", 0600}}, {"c", {"3", 0644}}});
  REQUIRE(next);
  CHECK(*next);
  CHECK(mode(dir + "/a") == 0600);
  CHECK(read(dir + "/c") == "3");
  CHECK_FALSE(fs::exists(fs::symlink_status(dir + "/sub")));
  CHECK_FALSE(fs::exists(dir + "/" + version));
  size_t versions = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("..", 0) == 0 && e.path().filename() != "..data") ++versions;
  CHECK(versions == 1);

  // Paths that would escape are refused.
  CHECK_FALSE(write_atomically(dir, {{"../x", {"", 0644}}}));
  CHECK_FALSE(write_atomically(dir, {{"/etc/x", {"", 0644}}}));
  CHECK_FALSE(write_atomically(dir, {{"..data/x", {"", 0644}}}));
}

TEST_CASE("configMap and secret volumes: all keys, items, modes, optional") {
  FakeSource source;
  source.config_maps["shop/cfg"] = {{"data", {{"a.conf", "A"}, {"b.conf", "B"}}}, {"binaryData", {{"bin", b64("\x01\x02")}}}};
  source.secrets["shop/sec"] = {{"data", {{"user", b64("admin")}, {"pass", b64("pw")}}}};
  json pod = test_pod();
  VolumeInputs in{pod, source, {}, ""};

  auto all = volume_payload({{"name", "v"}, {"configMap", {{"name", "cfg"}}}}, in);
  REQUIRE(all);
  CHECK(all->size() == 3);
  CHECK(all->at("a.conf").data == "A");
  CHECK(all->at("a.conf").mode == 0644);
  CHECK(all->at("bin").data == "\x01\x02");

  auto items = volume_payload({{"name", "v"},
                               {"configMap",
                                {{"name", "cfg"},
                                 {"defaultMode", 0400},
                                 {"items", json::array({{{"key", "a.conf"}, {"path", "dir/a"}},
                                                        {{"key", "b.conf"}, {"path", "b"}, {"mode", 0600}}})}}}},
                              in);
  REQUIRE(items);
  CHECK(items->size() == 2);
  CHECK(items->at("dir/a").mode == 0400);
  CHECK(items->at("b").mode == 0600);

  auto missing_key = volume_payload(
      {{"name", "v"}, {"configMap", {{"name", "cfg"}, {"items", json::array({{{"key", "zz"}, {"path", "z"}}})}}}}, in);
  REQUIRE_FALSE(missing_key);
  CHECK(missing_key.error().message == "configmap references non-existent config key: zz");

  auto absent = volume_payload({{"name", "v"}, {"configMap", {{"name", "nope"}}}}, in);
  REQUIRE_FALSE(absent);
  CHECK(absent.error().message == "configmap \"nope\" not found");
  auto optional = volume_payload({{"name", "v"}, {"configMap", {{"name", "nope"}, {"optional", true}}}}, in);
  REQUIRE(optional);
  CHECK(optional->empty());

  auto secret = volume_payload({{"name", "v"}, {"secret", {{"secretName", "sec"}, {"defaultMode", 0440}}}}, in);
  REQUIRE(secret);
  CHECK(secret->at("user").data == "admin");
  CHECK(secret->at("pass").mode == 0440);
  auto no_secret = volume_payload({{"name", "v"}, {"secret", {{"secretName", "nope"}}}}, in);
  REQUIRE_FALSE(no_secret);
  CHECK(no_secret.error().message == "secret \"nope\" not found");
}

TEST_CASE("downwardAPI and projected volumes") {
  FakeSource source;
  source.config_maps["shop/kube-root-ca.crt"] = {{"data", {{"ca.crt", "PEM"}}}};
  json pod = test_pod();
  VolumeInputs in{pod, source, {}, ""};
  auto down = volume_payload(
      {{"name", "v"},
       {"downwardAPI",
        {{"items", json::array({{{"path", "labels"}, {"fieldRef", {{"fieldPath", "metadata.labels"}}}},
                                {{"path", "name"}, {"fieldRef", {{"fieldPath", "metadata.name"}}}, {"mode", 0600}},
                                {{"path", "mem"},
                                 {"resourceFieldRef", {{"containerName", "app"}, {"resource", "limits.memory"}, {"divisor", "1Mi"}}}}})}}}},
      in);
  REQUIRE(down);
  CHECK(down->at("labels").data == "app=\"web\"");
  CHECK(down->at("name").data == "web");
  CHECK(down->at("name").mode == 0600);
  CHECK(down->at("mem").data == "64");
  auto bad = volume_payload(
      {{"name", "v"}, {"downwardAPI", {{"items", json::array({{{"path", "n"}, {"fieldRef", {{"fieldPath", "spec.nodeName"}}}}})}}}}, in);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "unsupported fieldPath: spec.nodeName");

  // The default service-account volume.
  json access = {{"name", "kube-api-access-abcde"},
                 {"projected",
                  {{"defaultMode", 420},
                   {"sources",
                    json::array({{{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}},
                                 {{"configMap", {{"name", "kube-root-ca.crt"}, {"items", json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}},
                                 {{"downwardAPI",
                                   {{"items", json::array({{{"path", "namespace"}, {"fieldRef", {{"fieldPath", "metadata.namespace"}}}}})}}}}})}}}};
  auto projected = volume_payload(access, in);
  REQUIRE(projected);
  CHECK(projected->size() == 3);
  CHECK(projected->at("token").data == "token-1-shop-robot-web");
  CHECK(projected->at("token").mode == 0644);
  CHECK(projected->at("ca.crt").data == "PEM");
  CHECK(projected->at("namespace").data == "shop");
  CHECK(source.last_expiration == 3607);
  CHECK(source.last_audience.empty());

  // A fresh token already in the volume is kept; a stale one is replaced.
  Dir d;
  auto now = std::chrono::system_clock::now();
  int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::string fresh = jwt(t - 60, t + 3600);
  REQUIRE(write_atomically(d.path, {{"token", {fresh, 0644}}}));
  VolumeInputs again{pod, source, {}, d.path, now};
  auto kept = volume_payload(access, again);
  REQUIRE(kept);
  CHECK(kept->at("token").data == fresh);
  CHECK(source.tokens_issued == 1);
  REQUIRE(write_atomically(d.path, {{"token", {jwt(t - 3000, t + 600), 0644}}}));
  auto renewed = volume_payload(access, again);
  REQUIRE(renewed);
  CHECK(renewed->at("token").data == "token-2-shop-robot-web");
  CHECK(token_fresh(fresh, now));
  CHECK_FALSE(token_fresh("not.a.jwt", now));
}

TEST_CASE("imagePullSecrets become registry credentials") {
  FakeSource source;
  json config = {{"auths",
                  {{"127.0.0.1:5000", {{"auth", b64("alice:pw1")}}},
                   {"https://index.docker.io/v1/", {{"username", "bob"}, {"password", "pw2"}}}}}};
  source.secrets["shop/regcred"] = {{"type", "kubernetes.io/dockerconfigjson"}, {"data", {{".dockerconfigjson", b64(config.dump())}}}};
  json pod = test_pod();
  pod["spec"]["imagePullSecrets"] = json::array({{{"name", "regcred"}}, {{"name", "missing"}}});
  mk::runtime::image::RegistriesConfig registries;
  registries.configs["127.0.0.1:5000"].tls.insecure_skip_verify = true;
  auto events = add_pull_secrets(pod, source, registries);
  CHECK(registries.configs["127.0.0.1:5000"].auth.username == "alice");
  CHECK(registries.configs["127.0.0.1:5000"].auth.password == "pw1");
  CHECK(registries.configs["127.0.0.1:5000"].tls.insecure_skip_verify);
  CHECK(registries.configs["docker.io"].auth.username == "bob");
  REQUIRE(events.size() == 1);
  CHECK(events[0].first == "FailedToRetrieveImagePullSecret");
  CHECK(events[0].second ==
        "Unable to retrieve some image pull secrets (shop/missing); attempting to pull the image may not succeed.");
}
