#pragma once
// Names of what the pod network creates on a node, derived from the node name so that several
// agents (or tests) on one host never collide. Device names are hashes (Linux allows 15
// characters); the nftables table keeps the node name readable when it fits.

#include <string>

namespace mk::agent::network {

struct NodeNames {
  std::string bridge;  // "mkbr-<hash>": the pods' bridge, holding the gateway address
  std::string vxlan;   // "mkvx-<hash>": the VXLAN device (flannel's flannel.1)
  std::string table;   // "minikube-net-<node>": NAT rules (masquerade, hostPort)
};

NodeNames node_names(const std::string& node_name);

// The host end of a pod's veth pair: "mkv" and 12 hex digits of a hash of node and pod uid.
std::string veth_name(const std::string& node_name, const std::string& pod_uid);

}  // namespace mk::agent::network
