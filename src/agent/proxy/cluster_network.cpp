#include "agent/proxy/cluster_network.h"

#include <nlohmann/json.hpp>

#include "api/json_path.h"

namespace mk::agent {

ClusterNetwork cluster_network_from(const nlohmann::json& config_map, const ClusterNetwork& defaults) {
  ClusterNetwork out = defaults;
  if (!config_map.is_object()) return out;
  auto take = [&](const char* key, std::string& field) {
    std::string v = api::string_at(config_map, std::string("data.") + key);
    if (!v.empty()) field = v;
  };
  take("clusterCIDR", out.cluster_cidr);
  take("serviceCIDR", out.service_cidr);
  take("clusterDNS", out.cluster_dns);
  take("clusterDomain", out.cluster_domain);
  return out;
}

}  // namespace mk::agent
