#pragma once
// The agent's side of flannel with the kube subnet manager: the node's pod subnet is its
// spec.podCIDR (assigned by the server's node IPAM controller), and the Node object carries what
// other nodes need to reach it, in flannel's annotations:
//   flannel.alpha.coreos.com/backend-type        vxlan | host-gw
//   flannel.alpha.coreos.com/backend-data        {"VNI":1,"VtepMAC":"..."} (vxlan; "null" otherwise)
//   flannel.alpha.coreos.com/public-ip           the node IP
//   flannel.alpha.coreos.com/kube-subnet-manager "true"
// It waits for the podCIDR, starts the PodNetwork (pod_network.h), publishes the annotations and
// keeps the routes to every other node's subnet in step with the Node objects it watches.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/network/pod_network.h"
#include "client/client.h"
#include "client/informer.h"
#include "common/error.h"

namespace mk::agent::network {

struct FlannelSettings {
  std::string node_name;
  std::string state_dir;     // <data-dir>/agent/network
  std::string node_ip;       // this node's address for other nodes
  Backend backend = Backend::vxlan;
  std::chrono::milliseconds pod_cidr_timeout{60000};
};

class Flannel {
 public:
  // Waits (up to pod_cidr_timeout) for the Node's spec.podCIDR, sets up the node's network and
  // publishes the annotations; then start() follows the other nodes.
  static Result<std::unique_ptr<Flannel>> open(client::ApiClient& client, FlannelSettings settings);
  ~Flannel();
  Flannel(const Flannel&) = delete;
  Flannel& operator=(const Flannel&) = delete;

  void start();
  void stop();
  PodNetwork& network() { return *network_; }

 private:
  Flannel(client::ApiClient& client, FlannelSettings settings, std::unique_ptr<PodNetwork> network);
  void run();
  bool sync();  // false: try again soon
  Status publish(const std::string& vtep_mac);

  client::ApiClient& client_;
  FlannelSettings settings_;
  std::unique_ptr<PodNetwork> network_;
  std::unique_ptr<client::Informer> nodes_;
  std::string published_mac_;
  bool published_ = false;

  std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = true;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mk::agent::network
