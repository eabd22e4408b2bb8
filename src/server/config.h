#pragma once
// What `minikube server` runs with. Plain data: the command line fills it (flag > environment >
// config file > these defaults) and hands it to mk::server::run().

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "store/kv.h"

namespace mk::server {

struct ServerConfig {
  std::string data_dir = "/var/lib/minikube";
  std::string node_name;     // empty: the host name
  std::string token;         // shared secret for joining nodes
  std::string token_file;    // read when token is empty
  std::string join_url;      // https:// URL of an existing server (joining as a server)

  // "" or "sqlite://PATH" (PATH relative to <data_dir>/server); empty means
  // sqlite://<data_dir>/server/db/state.db
  std::string datastore_endpoint;
  store::Durability datastore_durability = store::Durability::full;

  uint16_t https_listen_port = 6443;
  std::string bind_address = "0.0.0.0";
  std::vector<std::string> tls_sans;  // extra names and addresses on the serving certificate

  std::string cluster_cidr = "10.42.0.0/16";
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";

  std::string write_kubeconfig = "/etc/minikube/minikube.yaml";
  uint32_t write_kubeconfig_mode = 0600;

  bool disable_agent = false;
  bool disable_kube_proxy = false;      // the agent programs no Service rules
  bool disable_cluster_dns = false;     // the agent runs no cluster DNS server
  bool disable_network_policy = false;  // the agent enforces no NetworkPolicies
  // For the server's own agent (see agent/config.h).
  std::string flannel_backend = "vxlan";
  std::string cgroup_root = "minikube";
  bool debug = false;

  // Called once the API serves (with its loopback URL and the join token) and before shutdown:
  // the command line starts and stops the server's own agent through these, so the server
  // itself never depends on agent code.
  std::function<void(const std::string& url, const std::string& token)> on_ready;
  std::function<void()> on_stopping;
};

}  // namespace mk::server
