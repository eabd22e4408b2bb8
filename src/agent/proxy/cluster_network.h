#pragma once
// The cluster's network settings as the server publishes them in the ConfigMap
// kube-system/minikube-cluster (keys clusterCIDR, serviceCIDR, clusterDNS, clusterDomain), with
// k3s's defaults for whatever is missing.

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace mk::agent {

struct ClusterNetwork {
  std::string cluster_cidr = "10.42.0.0/16";
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  bool operator==(const ClusterNetwork&) const = default;
};

inline constexpr const char* kClusterConfigMapNamespace = "kube-system";
inline constexpr const char* kClusterConfigMapName = "minikube-cluster";

// The settings in `config_map` (a ConfigMap object; null for none), each missing or empty key
// taken from `defaults`.
ClusterNetwork cluster_network_from(const nlohmann::json& config_map, const ClusterNetwork& defaults = {});

}  // namespace mk::agent
