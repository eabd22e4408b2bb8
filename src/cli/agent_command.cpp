#include "cli/agent_command.h"

#include "cli/settings.h"

namespace mk::cli {

agent::AgentConfig to_agent_config(const Settings& s) {
  agent::AgentConfig cfg;
  cfg.data_dir = s.text("data-dir");
  cfg.node_name = s.text("node-name");
  cfg.token = s.text("token");
  cfg.token_file = s.text("token-file");
  cfg.join_url = s.text("join");
  cfg.debug = s.boolean("debug");
  cfg.disable_kube_proxy = s.boolean("disable-kube-proxy");
  cfg.disable_network_policy = s.boolean("disable-network-policy");
  cfg.disable_cluster_dns = s.boolean("disable-cluster-dns");
  cfg.kubelet_port = std::stoi(s.text("kubelet-port"));
  cfg.node_ip = s.text("node-ip");
  cfg.flannel_backend = s.text("flannel-backend");
  cfg.cgroup_root = s.text("cgroup-root");
  return cfg;
}

}  // namespace mk::cli
