#pragma once
// NetworkPolicy as nftables rules for the pods of one node (kube-router's semantics, which k3s
// embeds, in one table of ours): a pod selected by a policy of a direction is isolated in that
// direction; its traffic is then allowed only by the rules of the policies selecting it (peers
// by podSelector, namespaceSelector, ipBlock with except; ports by number, range or name), and
// dropped otherwise. Replies of allowed connections pass (conntrack), and the node may always
// reach its pods. Pods are matched by their IP (status.podIP). Pure functions.

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>

#include "agent/nftables/table_sync.h"

namespace mk::agent::netpol {

// "minikube-netpol-<node>".
std::string policy_table_name(const std::string& node_name);
std::string policy_table_skeleton();

struct PolicyInputs {
  std::map<std::string, nlohmann::json> pods;        // ns/name -> Pod
  std::map<std::string, nlohmann::json> namespaces;  // name -> Namespace
  std::map<std::string, nlohmann::json> policies;    // ns/name -> NetworkPolicy
};

// One fragment per isolated pod of `node_name`, keyed by ns/name.
std::map<std::string, nftables::Fragment> build_policy_fragments(const PolicyInputs& in, const std::string& node_name);

// Pods may always ask the node's own cluster DNS answerer (port 53 of `cluster_dns`): with no
// DNS pods, the usual "allow DNS to kube-dns pods" egress rule has nothing to match, and DNS
// is what every policy means to keep.
nftables::Fragment cluster_dns_fragment(const std::string& cluster_dns);

}  // namespace mk::agent::netpol
