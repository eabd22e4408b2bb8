#include "agent/kubelet/config_source.h"

#include "client/client.h"

namespace mk::agent::kubelet {

using nlohmann::json;

Result<std::optional<json>> ApiConfigSource::cached_get(const char* plural, const std::string& ns,
                                                        const std::string& name) {
  std::string key = std::string(plural) + "/" + ns + "/" + name;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto r = client_.get({"", "v1", plural}, ns, name);
  if (!r && !r.not_found()) return make_error(Errc::unavailable, r.error().message);
  std::optional<json> value;
  if (r) value = std::move(*r);
  cache_[key] = value;
  return value;
}

Result<std::optional<json>> ApiConfigSource::config_map(const std::string& ns, const std::string& name) {
  return cached_get("configmaps", ns, name);
}

Result<std::optional<json>> ApiConfigSource::secret(const std::string& ns, const std::string& name) {
  return cached_get("secrets", ns, name);
}

Result<json> ApiConfigSource::node(const std::string& name) {
  auto got = cached_get("nodes", "", name);
  if (!got) return got.error();
  if (!*got) return make_error(Errc::not_found, "node \"" + name + "\" not found");
  return **got;
}

Result<IssuedToken> ApiConfigSource::token(const std::string& ns, const std::string& account, const std::string& audience,
                                           int64_t expiration_seconds, const std::string& pod_name,
                                           const std::string& pod_uid) {
  json spec = {{"expirationSeconds", expiration_seconds},
               {"boundObjectRef", {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", pod_name}, {"uid", pod_uid}}}};
  if (!audience.empty()) spec["audiences"] = json::array({audience});
  json request = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"}, {"spec", spec}};
  auto r = client_.create_subresource({"", "v1", "serviceaccounts"}, ns, account, "token", request);
  if (!r) {
    return make_error(r.not_found() ? Errc::not_found : Errc::unavailable,
                      "failed to fetch token: " + r.error().message);
  }
  std::string token = r->value("status", json::object()).value("token", "");
  if (token.empty()) return make_error(Errc::unavailable, "failed to fetch token: the TokenRequest has no token");
  return IssuedToken{token};
}

}  // namespace mk::agent::kubelet
