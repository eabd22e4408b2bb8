#pragma once
// A node's pod network, as flannel and the CNI bridge plugin set it up for k3s, programmed
// through netlink and libnftables:
//   - a bridge holding the gateway (first address) of the node's podCIDR;
//   - per pod a veth pair: the host end on the bridge, the other end moved into the pod's
//     network namespace as eth0, with an address from the podCIDR (ipam.h), the default route
//     via the gateway, and the network's MTU;
//   - net.ipv4.ip_forward on, and an nftables table of the node's own (nat_table.h):
//     masquerade for pod traffic leaving the pod subnets of the cluster's nodes, hostPort DNAT;
//   - to other nodes' pod subnets, as flannel's backends: "vxlan" (VNI 1, UDP 8472, per remote
//     node a permanent ARP entry, FDB entry and onlink route through the VXLAN device; the
//     device is made when the first remote node appears) or "host-gw" (a route via the node's
//     address).
// Every name is derived from the node name (names.h). What pods hold is on disk, so a new
// PodNetwork (after an agent restart) keeps their addresses and re-creates whatever of the
// node's devices and rules is missing.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/network/ipam.h"
#include "agent/network/names.h"
#include "agent/network/netlink.h"
#include "common/error.h"

namespace mk::agent::network {

enum class Backend { vxlan, host_gw };

Result<Backend> parse_backend(const std::string& text);
std::string backend_name(Backend backend);

struct NetworkConfig {
  std::string node_name;
  std::string state_dir;     // <data-dir>/agent/network: ipam/ lives here
  std::string pod_cidr;      // the Node's spec.podCIDR
  std::string node_ip;       // this node's address (VXLAN source, host-gw next hop); "" allows no remote node
  Backend backend = Backend::vxlan;
  std::string vtep_mac;  // VXLAN MAC to re-create the device with (published in the Node before)
  int mtu = 0;           // 0: the MTU of node_ip's device (1500 without one), less 50 for VXLAN
};

struct RemoteNode {
  std::string name;
  std::string pod_cidr;
  std::string public_ip;  // "" when the node publishes none (its pods are not routed to)
  std::string vtep_mac;   // VXLAN only
};

struct PodAddress {
  std::string ip;
  std::string gateway;
  int prefix = 0;
};

class PodNetwork {
 public:
  static Result<std::unique_ptr<PodNetwork>> start(NetworkConfig config);

  // Releases the addresses (and veths) of pods not in `known`, e.g. removed while the agent was
  // down.
  void forget_except(const std::set<std::string>& known);
  // Connects the pod whose network namespace is `netns_path`. Calling it again for the same
  // pod (after a failure) starts over with the same address.
  Result<PodAddress> attach(const std::string& uid, const std::string& netns_path, const std::vector<HostPort>& host_ports);
  // Removes the pod's veth and host ports and frees its address; a pod not attached is fine.
  Status detach(const std::string& uid);
  // Makes the routes to other nodes' pod subnets match `remotes` (this node is skipped), and
  // exempts all their subnets from masquerading.
  Status set_remotes(const std::vector<RemoteNode>& remotes);
  // The VXLAN device's MAC, creating the device when needed; "" for host-gw.
  Result<std::string> ensure_vtep();

  const NetworkConfig& config() const { return config_; }
  const NodeNames& names() const { return names_; }
  int mtu() const { return mtu_; }

  // Removes a node's bridge, VXLAN device (with the routes through it) and table from the
  // caller's namespace (for tests and uninstalling; pods' veths go with their namespaces).
  static Status remove(const std::string& node_name);

 private:
  PodNetwork(NetworkConfig config, Netlink nl, Ipv4Net pod_net);
  Status ensure_bridge();
  Status write_table();
  Result<int> vtep_index();

  NetworkConfig config_;
  NodeNames names_;
  std::mutex mu_;
  Netlink nl_;
  Ipv4Net pod_net_;
  std::set<std::string> subnets_;  // every node's pod subnet
  Ipam ipam_;
  int mtu_ = 1500;
  std::map<std::string, RemoteNode> programmed_;  // by pod CIDR
  int vtep_ifindex_ = 0;                          // the VXLAN device programmed_ is about
};

}  // namespace mk::agent::network
