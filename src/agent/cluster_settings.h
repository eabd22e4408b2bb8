#pragma once
// The cluster's network settings as an agent learns them after joining: the server's ConfigMap
// kube-system/minikube-cluster (src/api/cluster_settings.h), or k3s's defaults when it is
// absent or unreadable.

#include "api/cluster_settings.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent {

api::ClusterSettings read_cluster_settings(client::ApiClient& client);

}  // namespace mk::agent
