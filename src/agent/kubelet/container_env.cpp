#include "agent/kubelet/container_env.h"

#include <algorithm>
#include <map>

#include "agent/kubelet/base64.h"
#include "agent/kubelet/env_expansion.h"
#include "api/json_path.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;

// Ordered variables: a redefinition keeps the first position and takes the new value.
class EnvList {
 public:
  void set(const std::string& name, std::string value) {
    auto it = index_.find(name);
    if (it == index_.end()) {
      index_[name] = vars_.size();
      vars_.emplace_back(name, std::move(value));
    } else {
      vars_[it->second].second = std::move(value);
    }
  }
  std::optional<std::string> get(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return vars_[it->second].second;
  }
  std::vector<std::pair<std::string, std::string>> take() { return std::move(vars_); }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
  std::map<std::string, size_t> index_;
};

std::string text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

bool optional_flag(const json& ref) { return ref.is_object() && ref.value("optional", false); }

// The string data of a ConfigMap (data only, as for env) or a Secret (data decoded).
std::map<std::string, std::string> config_map_data(const json& cm) {
  std::map<std::string, std::string> out;
  if (cm.contains("data") && cm["data"].is_object())
    for (const auto& [k, v] : cm["data"].items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

std::map<std::string, std::string> secret_data(const json& secret) {
  std::map<std::string, std::string> out;
  if (secret.contains("data") && secret["data"].is_object())
    for (const auto& [k, v] : secret["data"].items())
      if (v.is_string())
        if (auto decoded = base64_decode(v.get<std::string>())) out[k] = *decoded;
  // stringData is folded into data by the API server; a Secret read back never has it.
  return out;
}

}  // namespace

bool is_env_var_name(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> expand_all(const std::vector<std::string>& in,
                                    const std::vector<std::pair<std::string, std::string>>& env) {
  std::map<std::string, std::string> vars(env.begin(), env.end());
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::vector<std::string> out;
  out.reserve(in.size());
  for (const auto& s : in) out.push_back(expand_references(s, lookup));
  return out;
}

Result<ContainerEnv> resolve_container_env(const json& pod, const json& container, ConfigSource& source,
                                           const PodRuntimeFacts& facts) {
  const std::string ns = api::string_at(pod, "metadata.namespace", "default");
  EnvList env;
  ContainerEnv out;

  for (const auto& from : container.value("envFrom", json::array())) {
    std::string prefix = text(from, "prefix");
    bool is_cm = from.contains("configMapRef");
    if (!is_cm && !from.contains("secretRef")) continue;
    const json& ref = is_cm ? from["configMapRef"] : from["secretRef"];
    std::string name = text(ref, "name");
    auto obj = is_cm ? source.config_map(ns, name) : source.secret(ns, name);
    if (!obj) return obj.error();
    if (!*obj) {
      if (optional_flag(ref)) continue;
      return is_cm ? config_map_not_found(name) : secret_not_found(name);
    }
    std::vector<std::string> invalid;
    for (auto& [k, v] : is_cm ? config_map_data(**obj) : secret_data(**obj)) {
      std::string key = prefix + k;
      if (!is_env_var_name(key)) {
        invalid.push_back(key);
        continue;
      }
      env.set(key, v);
    }
    if (!invalid.empty()) {
      std::sort(invalid.begin(), invalid.end());
      std::string keys;
      for (const auto& k : invalid) keys += (keys.empty() ? "" : ", ") + k;
      out.warnings.emplace_back("InvalidEnvironmentVariableNames",
                                "Keys [" + keys + "] from the EnvFrom " + (is_cm ? "configMap " : "secret ") + ns + "/" +
                                    name + " were skipped since they are considered invalid environment variable names.");
    }
  }

  std::optional<json> allocatable;
  for (const auto& var : container.value("env", json::array())) {
    std::string name = text(var, "name");
    std::string value = text(var, "value");
    const json* from = var.contains("valueFrom") && var["valueFrom"].is_object() ? &var["valueFrom"] : nullptr;
    if (!value.empty()) {
      value = expand_references(value, [&](const std::string& n) { return env.get(n); });
    } else if (from) {
      if (from->contains("fieldRef")) {
        auto v = pod_field_value(pod, text((*from)["fieldRef"], "fieldPath"), facts);
        if (!v) return v.error();
        value = *v;
      } else if (from->contains("resourceFieldRef")) {
        const json& ref = (*from)["resourceFieldRef"];
        if (!allocatable) {
          auto node = source.node(api::string_at(pod, "spec.nodeName"));
          allocatable = node ? api::find_path(*node, "status.allocatable") ? *api::find_path(*node, "status.allocatable")
                                                                            : json::object()
                             : json::object();
        }
        std::string divisor = ref.contains("divisor") ? (ref["divisor"].is_string() ? ref["divisor"].get<std::string>()
                                                                                    : ref["divisor"].dump())
                                                      : "";
        auto v = container_resource_value(container, text(ref, "resource"), divisor, *allocatable);
        if (!v) return v.error();
        value = *v;
      } else if (from->contains("configMapKeyRef") || from->contains("secretKeyRef")) {
        bool is_cm = from->contains("configMapKeyRef");
        const json& ref = is_cm ? (*from)["configMapKeyRef"] : (*from)["secretKeyRef"];
        std::string obj_name = text(ref, "name");
        std::string key = text(ref, "key");
        auto obj = is_cm ? source.config_map(ns, obj_name) : source.secret(ns, obj_name);
        if (!obj) return obj.error();
        if (!*obj) {
          if (optional_flag(ref)) continue;
          return is_cm ? config_map_not_found(obj_name) : secret_not_found(obj_name);
        }
        auto data = is_cm ? config_map_data(**obj) : secret_data(**obj);
        auto it = data.find(key);
        if (it == data.end()) {
          if (optional_flag(ref)) continue;
          return make_error(Errc::not_found, "couldn't find key " + key + " in " + (is_cm ? "ConfigMap " : "Secret ") +
                                                 ns + "/" + obj_name);
        }
        value = it->second;
      }
    }
    env.set(name, value);
  }
  out.vars = env.take();
  return out;
}

}  // namespace mk::agent::kubelet
