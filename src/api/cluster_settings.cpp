#include "api/cluster_settings.h"

#include <nlohmann/json.hpp>

namespace mk::api {

using nlohmann::json;

json cluster_settings_configmap(const ClusterSettings& s) {
  return json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata",
               {{"name", kClusterSettingsName},
                {"namespace", kClusterSettingsNamespace},
                {"labels", {{"app.kubernetes.io/managed-by", "minikube"}}}}},
              {"data",
               {{"clusterCIDR", s.cluster_cidr},
                {"serviceCIDR", s.service_cidr},
                {"clusterDNS", s.cluster_dns},
                {"clusterDomain", s.cluster_domain}}}};
}

ClusterSettings cluster_settings_from_configmap(const json& configmap) {
  ClusterSettings s;
  if (!configmap.is_object()) return s;
  auto data = configmap.find("data");
  if (data == configmap.end() || !data->is_object()) return s;
  auto take = [&](const char* key, std::string& field) {
    auto it = data->find(key);
    if (it != data->end() && it->is_string() && !it->get<std::string>().empty()) field = it->get<std::string>();
  };
  take("clusterCIDR", s.cluster_cidr);
  take("serviceCIDR", s.service_cidr);
  take("clusterDNS", s.cluster_dns);
  take("clusterDomain", s.cluster_domain);
  return s;
}

}  // namespace mk::api
