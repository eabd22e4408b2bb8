#pragma once
// The node's service proxy (kube-proxy's job, in its nftables shape): follows Services,
// EndpointSlices and the cluster's network settings through informers and keeps the node's
// table `minikube-svc-<node>` in line, changing only the services that changed.

#include <chrono>
#include <memory>
#include <string>

#include "api/cluster_settings.h"
#include "common/error.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent::proxy {

struct ProxyConfig {
  std::string node_name;
  // Used until (and unless) the ConfigMap kube-system/minikube-cluster says otherwise.
  api::ClusterSettings network;
  // Program the rules in this network namespace (tests); -1: the agent's own.
  int netns_fd = -1;
};

class ServiceProxy {
 public:
  ServiceProxy(client::ApiClient& client, ProxyConfig config);
  ~ServiceProxy();
  ServiceProxy(const ServiceProxy&) = delete;
  ServiceProxy& operator=(const ServiceProxy&) = delete;

  // Starts the informers and the rules thread; fails when libnftables cannot be used.
  Status start();
  void stop();
  // True once the caches have synced and the rules for them are in place.
  bool wait_synced(std::chrono::milliseconds timeout);
  // Waits until every change received so far is programmed.
  bool wait_idle(std::chrono::milliseconds timeout);
  const std::string& table() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mk::agent::proxy
