#pragma once
// The cluster-wide network settings a server publishes for its nodes: the ConfigMap
// kube-system/minikube-cluster with the keys clusterCIDR, serviceCIDR, clusterDNS and
// clusterDomain. The server writes it at start from its flags; agents read it after joining
// (the service proxy, the pod network, the cluster DNS and the kubelet's pod resolv.conf), and
// fall back to these defaults, k3s's, when it is absent.

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace mk::api {

inline constexpr const char* kClusterSettingsNamespace = "kube-system";
inline constexpr const char* kClusterSettingsName = "minikube-cluster";

struct ClusterSettings {
  std::string cluster_cidr = "10.42.0.0/16";
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";

  bool operator==(const ClusterSettings&) const = default;
};

// The ConfigMap object (apiVersion, kind, metadata, data).
nlohmann::json cluster_settings_configmap(const ClusterSettings& settings);
// Reads the data of such a ConfigMap; missing or empty keys keep their defaults.
ClusterSettings cluster_settings_from_configmap(const nlohmann::json& configmap);

}  // namespace mk::api
