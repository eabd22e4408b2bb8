#pragma once
// Registers the node and keeps it alive: the Node object at start, then every `interval` a
// renewed Lease in kube-node-lease and a fresh status (conditions' heartbeats), as the kubelet
// does. Everything goes through the API client.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "agent/kubelet/host_facts.h"
#include "agent/kubelet/node_object.h"
#include "common/error.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent::kubelet {

class NodeHeartbeat {
 public:
  NodeHeartbeat(client::ApiClient& client, NodeSettings settings, HostFacts facts,
                std::chrono::milliseconds interval = std::chrono::seconds(10));
  ~NodeHeartbeat();  // stops the loop
  NodeHeartbeat(const NodeHeartbeat&) = delete;
  NodeHeartbeat& operator=(const NodeHeartbeat&) = delete;

  // Creates the Node (or takes over the existing one of that name) and posts its status.
  Status register_node();
  // Starts renewing the Lease and the status every interval.
  void start();
  void stop();
  // One round: lease, then status. Public so a caller can force a heartbeat.
  Status beat();
  // What status.images reports from now on (the image store opens after registration).
  void set_images_source(std::function<nlohmann::json()> source);

 private:
  Status renew_lease();
  Status post_status();

  client::ApiClient& client_;
  NodeSettings settings_;
  HostFacts facts_;
  std::chrono::milliseconds interval_;
  std::string node_uid_;
  std::mutex images_mu_;
  std::function<nlohmann::json()> images_source_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mk::agent::kubelet
