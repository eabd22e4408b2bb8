#include "server/apiserver/subresources/token_request.h"

#include <ctime>

#include "api/json_path.h"
#include "server/apiserver/subresources/type_meta.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultExpirationSeconds = 3600;
constexpr int64_t kMinExpirationSeconds = 600;
constexpr int64_t kMaxExpirationSeconds = int64_t{1} << 32;

std::string rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

api::ApiError invalid_request(const std::string& name, const std::string& field, const std::string& message) {
  return api::invalid("TokenRequest", "authentication.k8s.io", name,
                      {{"FieldValueInvalid", field + ": Invalid value: " + message, field}});
}

// The object a token is bound to, checked to exist (and to be the same object when the
// reference carries a uid).
ApiResult<BoundObject> resolve_bound_object(Registry& registry, const std::string& ns, const std::string& account,
                                            const json& ref) {
  std::string kind = ref.value("kind", "");
  std::string api_version = ref.value("apiVersion", "");
  BoundObject b{kind, ref.value("name", ""), ref.value("uid", "")};
  if ((kind != "Pod" && kind != "Secret" && kind != "Node") || api_version != "v1") {
    std::string group = api_version.find('/') == std::string::npos ? "" : api_version.substr(0, api_version.find('/'));
    std::string version = api_version.substr(api_version.find('/') == std::string::npos ? 0 : api_version.find('/') + 1);
    return api::bad_request("cannot bind token for serviceaccount \"" + account + "\" to object of type " + group + "/" +
                            version + ", Kind=" + kind);
  }
  if (b.name.empty())
    return api::invalid("TokenRequest", "authentication.k8s.io", account,
                        {{"FieldValueRequired", "spec.boundObjectRef.name: Required value", "spec.boundObjectRef.name"}});
  const api::KindInfo& info = *registry.context().kinds.by_kind("", "v1", kind);
  auto obj = registry.get(info, info.namespaced ? ns : "", b.name);
  if (!obj) return obj.error();
  std::string uid = api::string_at(*obj, "metadata.uid");
  if (!b.uid.empty() && b.uid != uid)
    return api::conflict(kind, "", kind, b.name,
                         "the UID in the bound object reference (" + b.uid +
                             ") does not match the UID in record. The object might have been deleted and then recreated");
  b.uid = uid;
  return b;
}

}  // namespace

ApiResult<json> request_token(Registry& registry, const ServiceAccountTokens* tokens, const std::string& ns,
                              const std::string& account, json req, int64_t now) {
  if (!tokens) return api::service_unavailable("service account tokens are not available: the server has no signing key");
  if (auto e = check_body_type(req, "TokenRequest", {"authentication.k8s.io/v1"})) return *e;
  if (!req.contains("metadata") || !req["metadata"].is_object()) req["metadata"] = json::object();
  json& meta = req["metadata"];
  if (std::string n = meta.value("name", ""); !n.empty() && n != account)
    return invalid_request(account, "metadata.name", "\"" + n + "\": must match the service account name if specified");
  if (std::string n = meta.value("namespace", ""); !n.empty() && n != ns)
    return invalid_request(account, "metadata.namespace",
                           "\"" + n + "\": must match the service account namespace if specified");

  const api::KindInfo& accounts = *registry.context().kinds.by_kind("", "v1", "ServiceAccount");
  auto sa = registry.get(accounts, ns, account);
  if (!sa) return sa.error();

  if (!req.contains("spec") || !req["spec"].is_object()) req["spec"] = json::object();
  json& spec = req["spec"];
  if (!spec.contains("audiences") || !spec["audiences"].is_array() || spec["audiences"].empty())
    spec["audiences"] = tokens->api_audiences();
  int64_t expiration = kDefaultExpirationSeconds;
  if (auto e = spec.find("expirationSeconds"); e != spec.end() && !e->is_null()) {
    if (!e->is_number_integer()) return api::bad_request("spec.expirationSeconds must be an integer");
    expiration = e->get<int64_t>();
  }
  spec["expirationSeconds"] = expiration;
  if (expiration < kMinExpirationSeconds)
    return invalid_request("", "spec.expirationSeconds", std::to_string(expiration) + ": may not specify a duration less than 10 minutes");
  if (expiration > kMaxExpirationSeconds)
    return invalid_request("", "spec.expirationSeconds", std::to_string(expiration) + ": may not specify a duration larger than 2^32 seconds");

  ServiceAccountClaims claims;
  claims.namespace_ = ns;
  claims.name = account;
  claims.uid = api::string_at(*sa, "metadata.uid");
  for (const auto& a : spec["audiences"])
    if (a.is_string()) claims.audiences.push_back(a.get<std::string>());
  claims.issued_at = now;
  claims.expires_at = now + expiration;
  claims.id = new_uid();
  if (auto ref = spec.find("boundObjectRef"); ref != spec.end() && ref->is_object() && !ref->empty()) {
    auto bound = resolve_bound_object(registry, ns, account, *ref);
    if (!bound) return bound.error();
    claims.bound = std::move(*bound);
  }
  auto token = tokens->issue(claims);
  if (!token) return api::internal_error(token.error().message);

  meta["name"] = account;
  meta["namespace"] = ns;
  meta["creationTimestamp"] = rfc3339(now);
  req["kind"] = "TokenRequest";
  req["apiVersion"] = "authentication.k8s.io/v1";
  req["status"] = {{"token", *token}, {"expirationTimestamp", rfc3339(claims.expires_at)}};
  return req;
}

}  // namespace mk::apiserver
