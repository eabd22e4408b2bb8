#include "agent/cluster_settings.h"

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "common/log.h"

namespace mk::agent {

api::ClusterSettings read_cluster_settings(client::ApiClient& client) {
  auto cm = client.get(client::Resource{"", "v1", "configmaps"}, api::kClusterSettingsNamespace, api::kClusterSettingsName);
  if (!cm) {
    MK_LOG(warn) << "agent: ConfigMap " << api::kClusterSettingsNamespace << "/" << api::kClusterSettingsName
                 << " not readable (" << cm.error().message << "); using the default cluster settings";
    return {};
  }
  api::ClusterSettings s = api::cluster_settings_from_configmap(*cm);
  MK_LOG(debug) << "agent: cluster settings: pods " << s.cluster_cidr << ", services " << s.service_cidr << ", DNS "
                << s.cluster_dns << ", domain " << s.cluster_domain;
  return s;
}

}  // namespace mk::agent
