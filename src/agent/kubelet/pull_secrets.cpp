#include "agent/kubelet/pull_secrets.h"

#include <nlohmann/json.hpp>

#include "agent/kubelet/base64.h"
#include "api/json_path.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;

// "https://index.docker.io/v1/" -> "docker.io", "http://127.0.0.1:5000/x" -> "127.0.0.1:5000".
std::string registry_host(std::string key) {
  if (auto p = key.find("://"); p != std::string::npos) key = key.substr(p + 3);
  key = key.substr(0, key.find('/'));
  if (key == "index.docker.io" || key == "registry-1.docker.io" || key == "registry.hub.docker.com") return "docker.io";
  return key;
}

}  // namespace

std::vector<std::pair<std::string, runtime::image::RegistryAuth>> docker_config_auths(const json& config) {
  std::vector<std::pair<std::string, runtime::image::RegistryAuth>> out;
  const json& auths = config.contains("auths") && config["auths"].is_object() ? config["auths"] : config;
  if (!auths.is_object()) return out;
  for (const auto& [key, entry] : auths.items()) {
    if (!entry.is_object()) continue;
    runtime::image::RegistryAuth auth;
    auth.username = entry.value("username", "");
    auth.password = entry.value("password", "");
    auth.identity_token = entry.value("identitytoken", "");
    if (auth.username.empty() && entry.contains("auth") && entry["auth"].is_string()) {
      if (auto decoded = base64_decode(entry["auth"].get<std::string>())) {
        auto colon = decoded->find(':');
        if (colon != std::string::npos) {
          auth.username = decoded->substr(0, colon);
          auth.password = decoded->substr(colon + 1);
        }
      }
    }
    if (auth.username.empty() && auth.identity_token.empty()) continue;
    out.emplace_back(registry_host(key), std::move(auth));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> add_pull_secrets(const json& pod, ConfigSource& source,
                                                                   runtime::image::RegistriesConfig& registries) {
  std::vector<std::pair<std::string, std::string>> events;
  const json* refs = api::find_path(pod, "spec.imagePullSecrets");
  if (!refs || !refs->is_array()) return events;
  std::string ns = api::string_at(pod, "metadata.namespace", "default");
  std::string missing;
  // The first secret naming a registry wins, as the kubelet tries them in order.
  std::vector<std::string> seen;
  for (const auto& ref : *refs) {
    std::string name = ref.is_object() ? ref.value("name", "") : "";
    if (name.empty()) continue;
    auto secret = source.secret(ns, name);
    if (!secret || !*secret) {
      missing += (missing.empty() ? "" : ", ") + ns + "/" + name;
      continue;
    }
    std::string type = (*secret)->value("type", "");
    const char* key = type == "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
    const json* data = api::find_path(**secret, "data");
    if (!data || !data->is_object() || !data->contains(key) || !(*data)[key].is_string()) continue;
    auto decoded = base64_decode((*data)[key].get<std::string>());
    if (!decoded) continue;
    json config = json::parse(*decoded, nullptr, false);
    if (config.is_discarded()) continue;
    for (auto& [host, auth] : docker_config_auths(config)) {
      if (std::find(seen.begin(), seen.end(), host) != seen.end()) continue;
      seen.push_back(host);
      registries.configs[host].auth = std::move(auth);
    }
  }
  if (!missing.empty()) {
    events.emplace_back("FailedToRetrieveImagePullSecret",
                        "Unable to retrieve some image pull secrets (" + missing +
                            "); attempting to pull the image may not succeed.");
  }
  return events;
}

}  // namespace mk::agent::kubelet
