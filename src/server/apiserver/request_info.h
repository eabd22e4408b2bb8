#pragma once
// What a request URL addresses: API group, version, namespace, resource, name, subresource
// and the verb, as kube-apiserver's RequestInfo resolves them.
//
//   /api/v1/namespaces/default/pods/web/log   -> core v1, ns default, pods, web, log, get
//   /apis/apps/v1/deployments?watch=1         -> apps v1, all namespaces, deployments, watch

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mk::apiserver {

struct RequestInfo {
  bool is_resource = false;  // false for /version, /healthz, /api, /apis, /openapi...
  std::string path;          // decoded path
  std::string group;         // "" for core
  std::string version;
  std::string namespace_;    // "" when not namespaced or all namespaces
  std::string resource;      // plural
  std::string name;
  std::string subresource;
  std::string verb;  // get list watch create update patch delete deletecollection
};

// Query parameters, decoded. Repeated keys keep the first value.
using Query = std::map<std::string, std::string, std::less<>>;

Query parse_query(std::string_view raw);
std::string percent_decode(std::string_view s);

// `method` is the HTTP method. Returns nullopt for a malformed path.
std::optional<RequestInfo> resolve_request(std::string_view method, std::string_view raw_path,
                                           const Query& query);

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; nullopt otherwise.
std::optional<bool> parse_bool(std::string_view s);

}  // namespace mk::apiserver
