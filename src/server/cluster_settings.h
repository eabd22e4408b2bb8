#pragma once
// What the server publishes for its nodes at start: the ConfigMap kube-system/minikube-cluster
// (src/api/cluster_settings.h) from its networking flags, and the Service kube-system/kube-dns
// at --cluster-dns, as k3s's CoreDNS manifest has it, for the agents' embedded DNS server.

#include "common/error.h"

namespace mk::client {
class ApiClient;
}

namespace mk::server {

struct ServerConfig;

// Creates or updates the ConfigMap; creates the Service when it is missing (a cluster IP cannot
// change, so a kube-dns Service at another address is left alone with a warning).
Status publish_cluster_settings(client::ApiClient& client, const ServerConfig& config);

}  // namespace mk::server
