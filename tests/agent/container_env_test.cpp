// Container env as the kubelet builds it: expansion, the downward API, ConfigMap and Secret
// keys, envFrom, optional references and the kubelet's error messages.
#include <catch2/catch.hpp>

#include "agent/kubelet/container_env.h"
#include "agent/kubelet/env_expansion.h"
#include "agent/fake_config_source.h"

using namespace mk::agent::kubelet;
using mk::agent::kubelet::testing::FakeSource;
using nlohmann::json;

namespace {

json pod_with(const json& container) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", "web"},
            {"namespace", "shop"},
            {"uid", "u-1"},
            {"labels", {{"app", "web"}, {"tier", "front"}}},
            {"annotations", {{"note", "say \"hi\"\n"}}}}},
          {"spec", {{"nodeName", "n1"}, {"serviceAccountName", "robot"}, {"containers", json::array({container})}}}};
}

std::map<std::string, std::string> as_map(const ContainerEnv& env) {
  return std::map<std::string, std::string>(env.vars.begin(), env.vars.end());
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

}  // namespace

TEST_CASE("$(VAR) expansion follows the kubelet's rules") {
  auto lookup = [](const std::string& n) -> std::optional<std::string> {
    if (n == "A") return std::string("1");
    if (n == "EMPTY") return std::string();
    return std::nullopt;
  };
  CHECK(expand_references("x$(A)y", lookup) == "x1y");
  CHECK(expand_references("$(MISSING)", lookup) == "$(MISSING)");
  CHECK(expand_references("$$(A)", lookup) == "$(A)");
  CHECK(expand_references("$$$(A)", lookup) == "$1");
  CHECK(expand_references("$(A", lookup) == "$(A");
  CHECK(expand_references("a$b", lookup) == "a$b");
  CHECK(expand_references("end$", lookup) == "end$");
  CHECK(expand_references("$(EMPTY)-", lookup) == "-");
  CHECK(expand_references("$()", lookup) == "$()");
}

TEST_CASE("env values, field references and resources") {
  FakeSource source;
  source.node_object = {{"status", {{"allocatable", {{"cpu", "4"}, {"memory", "8Gi"}}}}}};
  json c = {{"name", "app"},
            {"resources", {{"limits", {{"memory", "256Mi"}}}, {"requests", {{"cpu", "250m"}, {"memory", "128Mi"}}}}},
            {"env",
             json::array({{{"name", "A"}, {"value", "one"}},
                          {{"name", "B"}, {"value", "$(A)-two-$(C)"}},
                          {{"name", "C"}, {"value", "three"}},
                          {{"name", "POD"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
                          {{"name", "NS"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}},
                          {{"name", "UID"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.uid"}}}}}},
                          {{"name", "APP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.labels['app']"}}}}}},
                          {{"name", "NONE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.labels['nope']"}}}}}},
                          {{"name", "LABELS"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.labels"}}}}}},
                          {{"name", "NOTE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.annotations['note']"}}}}}},
                          {{"name", "NODE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}},
                          {{"name", "SA"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.serviceAccountName"}}}}}},
                          {{"name", "HOST_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.hostIP"}}}}}},
                          {{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}},
                          {{"name", "MEM_LIMIT_MI"},
                           {"valueFrom", {{"resourceFieldRef", {{"resource", "limits.memory"}, {"divisor", "1Mi"}}}}}},
                          {{"name", "MEM_REQ"}, {"valueFrom", {{"resourceFieldRef", {{"resource", "requests.memory"}}}}}},
                          {{"name", "CPU_REQ_M"},
                           {"valueFrom", {{"resourceFieldRef", {{"resource", "requests.cpu"}, {"divisor", "1m"}}}}}},
                          {{"name", "CPU_REQ"}, {"valueFrom", {{"resourceFieldRef", {{"resource", "requests.cpu"}}}}}},
                          {{"name", "CPU_LIMIT"}, {"valueFrom", {{"resourceFieldRef", {{"resource", "limits.cpu"}}}}}}})}};
  PodRuntimeFacts facts{"192.168.1.5", "10.42.0.7", {"10.42.0.7"}};
  auto env = resolve_container_env(pod_with(c), c, source, facts);
  REQUIRE(env);
  auto m = as_map(*env);
  CHECK(m["A"] == "one");
  CHECK(m["B"] == "one-two-$(C)");  // C is defined after B
  CHECK(m["POD"] == "web");
  CHECK(m["NS"] == "shop");
  CHECK(m["UID"] == "u-1");
  CHECK(m["APP"] == "web");
  CHECK(m["NONE"] == "");
  CHECK(m["LABELS"] == "app=\"web\"\ntier=\"front\"");
  CHECK(m["NOTE"] == "say \"hi\"\n");
  CHECK(m["NODE"] == "n1");
  CHECK(m["SA"] == "robot");
  CHECK(m["HOST_IP"] == "192.168.1.5");
  CHECK(m["POD_IP"] == "10.42.0.7");
  CHECK(m["MEM_LIMIT_MI"] == "256");
  CHECK(m["MEM_REQ"] == "134217728");
  CHECK(m["CPU_REQ_M"] == "250");
  CHECK(m["CPU_REQ"] == "1");  // rounded up
  CHECK(m["CPU_LIMIT"] == "4");  // no limit: the node's allocatable
  // Definition order is kept.
  REQUIRE(env->vars.size() >= 3);
  CHECK(env->vars[0].first == "A");
  CHECK(env->vars[1].first == "B");

  c["env"] = json::array({{{"name", "X"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.hostname"}}}}}}});
  auto bad = resolve_container_env(pod_with(c), c, source, facts);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "unsupported fieldPath: spec.hostname");
}

TEST_CASE("ConfigMap and Secret keys, optional ones, and the kubelet's messages") {
  FakeSource source;
  source.config_maps["shop/settings"] = {{"data", {{"color", "blue"}, {"size", "L"}}}};
  source.secrets["shop/creds"] = {{"data", {{"password", b64("s3cr3t")}}}};
  json c = {{"name", "app"},
            {"env",
             json::array({{{"name", "COLOR"}, {"valueFrom", {{"configMapKeyRef", {{"name", "settings"}, {"key", "color"}}}}}},
                          {{"name", "PASS"}, {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "password"}}}}}},
                          {{"name", "OPT1"},
                           {"valueFrom", {{"configMapKeyRef", {{"name", "absent"}, {"key", "k"}, {"optional", true}}}}}},
                          {{"name", "OPT2"},
                           {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "nokey"}, {"optional", true}}}}}},
                          {{"name", "MSG"}, {"value", "$(COLOR)/$(PASS)"}}})}};
  auto env = resolve_container_env(pod_with(c), c, source, {});
  REQUIRE(env);
  auto m = as_map(*env);
  CHECK(m["COLOR"] == "blue");
  CHECK(m["PASS"] == "s3cr3t");
  CHECK(m["MSG"] == "blue/s3cr3t");
  CHECK_FALSE(m.count("OPT1"));
  CHECK_FALSE(m.count("OPT2"));

  auto fails = [&](const json& var) {
    json cc = {{"name", "app"}, {"env", json::array({var})}};
    auto r = resolve_container_env(pod_with(cc), cc, source, {});
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  CHECK(fails({{"name", "X"}, {"valueFrom", {{"configMapKeyRef", {{"name", "x"}, {"key", "k"}}}}}}) ==
        "configmap \"x\" not found");
  CHECK(fails({{"name", "X"}, {"valueFrom", {{"configMapKeyRef", {{"name", "settings"}, {"key", "k"}}}}}}) ==
        "couldn't find key k in ConfigMap shop/settings");
  CHECK(fails({{"name", "X"}, {"valueFrom", {{"secretKeyRef", {{"name", "x"}, {"key", "k"}}}}}}) ==
        "secret \"x\" not found");
  CHECK(fails({{"name", "X"}, {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "k"}}}}}}) ==
        "couldn't find key k in Secret shop/creds");
}

TEST_CASE("envFrom with prefixes, invalid names skipped with an event, env overriding") {
  FakeSource source;
  source.config_maps["shop/settings"] = {{"data", {{"color", "blue"}, {"bad key", "x"}, {"1st", "y"}}}};
  source.secrets["shop/creds"] = {{"data", {{"user", b64("admin")}}}};
  json c = {{"name", "app"},
            {"envFrom",
             json::array({{{"configMapRef", {{"name", "settings"}}}},
                          {{"prefix", "S_"}, {"secretRef", {{"name", "creds"}}}},
                          {{"configMapRef", {{"name", "gone"}, {"optional", true}}}}})},
            {"env", json::array({{{"name", "color"}, {"value", "red"}}})}};
  auto env = resolve_container_env(pod_with(c), c, source, {});
  REQUIRE(env);
  auto m = as_map(*env);
  CHECK(m["color"] == "red");
  CHECK(m["S_user"] == "admin");
  CHECK_FALSE(m.count("bad key"));
  CHECK_FALSE(m.count("1st"));
  REQUIRE(env->warnings.size() == 1);
  CHECK(env->warnings[0].first == "InvalidEnvironmentVariableNames");
  CHECK(env->warnings[0].second ==
        "Keys [1st, bad key] from the EnvFrom configMap shop/settings were skipped since they are considered invalid "
        "environment variable names.");

  json missing = {{"name", "app"}, {"envFrom", json::array({{{"secretRef", {{"name", "nope"}}}}})}};
  auto r = resolve_container_env(pod_with(missing), missing, source, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "secret \"nope\" not found");
}

TEST_CASE("command and args are expanded against the container's env") {
  std::vector<std::pair<std::string, std::string>> env = {{"GREETING", "hello"}, {"WHO", "world"}};
  auto out = expand_all({"echo", "$(GREETING) $(WHO)", "$$(WHO)", "$(NOPE)"}, env);
  CHECK(out == std::vector<std::string>{"echo", "hello world", "$(WHO)", "$(NOPE)"});
}
