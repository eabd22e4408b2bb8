#pragma once
// What `minikube agent` runs with. Plain data filled by the command line and handed to
// mk::agent::run().

#include <string>

namespace mk::agent {

struct AgentConfig {
  std::string data_dir = "/var/lib/minikube";
  std::string node_name;   // empty: the host name
  std::string token;
  std::string token_file;  // read when token is empty
  std::string join_url;    // https:// URL of the server to join
  bool control_plane = false;  // the server's own agent: control-plane role labels
  bool debug = false;
  // registries.yaml (k3s format) for image pulls; empty: /etc/minikube/registries.yaml when
  // that file exists.
  std::string private_registry;
  std::string cgroup_root = "minikube";  // the pods' cgroups go under <cgroup_root>/kubepods
  bool disable_kube_proxy = false;      // no service proxy rules (another proxy programs Services)
  bool disable_network_policy = false;  // no NetworkPolicy enforcement
  bool disable_cluster_dns = false;  // no embedded DNS server on this node (src/agent/dns)
  // The kubelet's HTTPS port (logs, exec, attach, port-forward for the API server); 0: any
  // free port. Reported in the Node's status.daemonEndpoints.
  int kubelet_port = 10250;
  // The node's InternalIP (k3s's --node-ip); empty: the address of the default route's interface.
  std::string node_ip;
  // Static pod manifests (YAML or JSON Pods); empty: <data-dir>/agent/pod-manifests.
  std::string pod_manifests;
  // How pods reach other nodes' pods: vxlan or host-gw; none: no pod network at all (pods get
  // loopback only, as with `minikube runtime`).
  std::string flannel_backend = "vxlan";
};

}  // namespace mk::agent
