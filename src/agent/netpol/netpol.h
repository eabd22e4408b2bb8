#pragma once
// The node's NetworkPolicy enforcer: follows Pods, Namespaces and NetworkPolicies and keeps the
// table `minikube-netpol-<node>` in line for the pods of this node.

#include <chrono>
#include <memory>
#include <string>

#include "common/error.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent::netpol {

struct NetpolConfig {
  std::string node_name;
  int netns_fd = -1;  // program the rules in this network namespace (tests); -1: the agent's own
  // Until (and unless) the ConfigMap kube-system/minikube-cluster says otherwise.
  std::string cluster_dns = "10.43.0.10";
};

class PolicyEnforcer {
 public:
  PolicyEnforcer(client::ApiClient& client, NetpolConfig config);
  ~PolicyEnforcer();
  PolicyEnforcer(const PolicyEnforcer&) = delete;
  PolicyEnforcer& operator=(const PolicyEnforcer&) = delete;

  Status start();
  void stop();
  bool wait_synced(std::chrono::milliseconds timeout);
  // Waits until every change received so far is programmed.
  bool wait_idle(std::chrono::milliseconds timeout);
  const std::string& table() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mk::agent::netpol
