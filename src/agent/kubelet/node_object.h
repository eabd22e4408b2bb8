#pragma once
// The Node and Lease objects the kubelet writes, built from the host facts: pure functions, so
// what the node reports is testable without a cluster.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "agent/kubelet/host_facts.h"

namespace mk::agent::kubelet {

struct NodeSettings {
  std::string name;
  std::string kubelet_version;   // "v1.32.0+minikube"
  std::string runtime_version;   // "minikube://0.1.0"
  int64_t max_pods = 110;
  bool control_plane = false;    // the server's own node: control-plane role labels
  int kubelet_port = 10250;      // status.daemonEndpoints.kubeletEndpoint.Port
};

// The Node as first registered: labels (kubernetes.io/hostname, os, arch, roles), no podCIDR
// (the server assigns it).
nlohmann::json make_node(const NodeSettings& settings, const HostFacts& facts);

// status: capacity, allocatable, nodeInfo, addresses, daemonEndpoints and the four conditions
// (Ready True, the pressures False) with `now` (RFC 3339) as heartbeat; a condition's
// lastTransitionTime is kept from `previous` (the node's current status) when its status did
// not change.
nlohmann::json node_status(const NodeSettings& settings, const HostFacts& facts, const std::string& now,
                           const nlohmann::json& previous);

// coordination.k8s.io/v1 Lease in kube-node-lease, held by the node, renewed at `now_micro`
// (RFC 3339 with microseconds).
nlohmann::json make_lease(const std::string& node_name, const std::string& node_uid, const std::string& now_micro,
                          int duration_seconds);

}  // namespace mk::agent::kubelet
