#pragma once
// Where the kubelet reads what a pod's containers are given: ConfigMaps, Secrets, the Node,
// service-account tokens. An interface so that env and volume code can be tested without a
// server; ApiConfigSource is the real one (GETs and TokenRequests through the API client).

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

#include "common/error.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent::kubelet {

struct IssuedToken {
  std::string token;
};

class ConfigSource {
 public:
  virtual ~ConfigSource() = default;
  // nullopt when the object does not exist; an error when it could not be read.
  virtual Result<std::optional<nlohmann::json>> config_map(const std::string& ns, const std::string& name) = 0;
  virtual Result<std::optional<nlohmann::json>> secret(const std::string& ns, const std::string& name) = 0;
  // The Node object the pod runs on.
  virtual Result<nlohmann::json> node(const std::string& name) = 0;
  // A TokenRequest for `account`, bound to the pod; empty audience: the API's audiences.
  virtual Result<IssuedToken> token(const std::string& ns, const std::string& account, const std::string& audience,
                                    int64_t expiration_seconds, const std::string& pod_name,
                                    const std::string& pod_uid) = 0;
};

// Reads through the API and remembers what it read for its lifetime (one pod start or one
// refresh), so a pod naming the same ConfigMap twice sees one version of it.
class ApiConfigSource final : public ConfigSource {
 public:
  explicit ApiConfigSource(client::ApiClient& client) : client_(client) {}
  Result<std::optional<nlohmann::json>> config_map(const std::string& ns, const std::string& name) override;
  Result<std::optional<nlohmann::json>> secret(const std::string& ns, const std::string& name) override;
  Result<nlohmann::json> node(const std::string& name) override;
  Result<IssuedToken> token(const std::string& ns, const std::string& account, const std::string& audience,
                            int64_t expiration_seconds, const std::string& pod_name, const std::string& pod_uid) override;

 private:
  Result<std::optional<nlohmann::json>> cached_get(const char* plural, const std::string& ns, const std::string& name);
  client::ApiClient& client_;
  std::map<std::string, std::optional<nlohmann::json>> cache_;
};

// Messages as the kubelet's object caches give them.
inline Error config_map_not_found(const std::string& name) {
  return make_error(Errc::not_found, "configmap \"" + name + "\" not found");
}
inline Error secret_not_found(const std::string& name) {
  return make_error(Errc::not_found, "secret \"" + name + "\" not found");
}

}  // namespace mk::agent::kubelet
