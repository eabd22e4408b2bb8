#pragma once
// A ConfigSource over maps, for env and volume tests.
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "agent/kubelet/config_source.h"

namespace mk::agent::kubelet::testing {

class FakeSource final : public ConfigSource {
 public:
  std::map<std::string, nlohmann::json> config_maps, secrets;  // "<ns>/<name>"
  nlohmann::json node_object = nlohmann::json::object();
  int tokens_issued = 0;
  std::string last_audience;
  int64_t last_expiration = 0;

  Result<std::optional<nlohmann::json>> config_map(const std::string& ns, const std::string& name) override {
    auto it = config_maps.find(ns + "/" + name);
    if (it == config_maps.end()) return std::optional<nlohmann::json>();
    return std::optional<nlohmann::json>(it->second);
  }
  Result<std::optional<nlohmann::json>> secret(const std::string& ns, const std::string& name) override {
    auto it = secrets.find(ns + "/" + name);
    if (it == secrets.end()) return std::optional<nlohmann::json>();
    return std::optional<nlohmann::json>(it->second);
  }
  Result<nlohmann::json> node(const std::string&) override { return node_object; }
  Result<IssuedToken> token(const std::string& ns, const std::string& account, const std::string& audience,
                            int64_t expiration, const std::string& pod, const std::string&) override {
    ++tokens_issued;
    last_audience = audience;
    last_expiration = expiration;
    return IssuedToken{"token-" + std::to_string(tokens_issued) + "-" + ns + "-" + account + "-" + pod};
  }
};

}  // namespace mk::agent::kubelet::testing
