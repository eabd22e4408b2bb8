#include "cli/option_table.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "agent/config.h"
#include "cli/settings.h"
#include "cli/validate.h"
#include "server/config.h"

// Each entry names only the fields it sets and leaves the rest at their defaults on purpose;
// GCC 12 would flag every designated initializer that does so.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace mk::cli {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  std::string name(buf);
  // Kubernetes node names are lower case; host names are case-insensitive.
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::string mode_text(uint32_t mode) {
  std::string out;
  for (int shift = 9; shift >= 0; shift -= 3) out += static_cast<char>('0' + ((mode >> shift) & 7));
  return out;
}

std::vector<OptionSpec> build_table() {
  // Defaults come from ServerConfig so there is one source for them (AgentConfig's shared
  // fields have the same defaults; a unit test holds them together).
  const server::ServerConfig s;
  const unsigned both = kServer | kAgent;
  using K = ValueKind;
  std::vector<OptionSpec> t;
  auto add = [&t](OptionSpec spec) {
    if (spec.env.empty()) {
      spec.env = "MINIKUBE_";
      for (char c : spec.name) spec.env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    }
    t.push_back(std::move(spec));
  };

  add({.name = "config", .short_name = "c", .env = "MINIKUBE_CONFIG_FILE", .group = "General",
       .value_name = "FILE", .help = "Read settings from this YAML file (keys are flag names)",
       .commands = both, .default_value = {"/etc/minikube/config.yaml"}, .check = check_path});
  add({.name = "data-dir", .short_name = "d", .group = "General", .value_name = "DIR",
       .help = "Directory holding all state", .commands = both, .default_value = {s.data_dir},
       .check = check_path});
  add({.name = "node-name", .group = "General", .value_name = "NAME", .help = "Name of this node",
       .commands = both, .compute_default = [](const Settings&) { return host_name(); },
       .default_text = "host name", .check = check_node_name});
  add({.name = "debug", .group = "General", .help = "Log debug messages", .kind = K::boolean,
       .commands = both, .default_value = {s.debug ? "true" : "false"}});

  add({.name = "token", .short_name = "t", .group = "Joining", .value_name = "TOKEN",
       .help = "Shared secret that servers and agents join the cluster with", .commands = both,
       .check = check_not_empty});
  add({.name = "token-file", .group = "Joining", .value_name = "FILE",
       .help = "Read the token from this file (when --token is not set)", .commands = both,
       .check = check_path});
  add({.name = "join", .short_name = "s", .alias = "server", .env = "MINIKUBE_URL", .group = "Joining",
       .value_name = "URL", .help = "https:// URL of a server of the cluster to join", .commands = both,
       .check = check_https_url});

  add({.name = "datastore-endpoint", .group = "Datastore", .value_name = "URL",
       .help = "Datastore to keep cluster state in", .commands = kServer,
       .compute_default = [](const Settings& st) { return default_datastore_endpoint(st.text("data-dir")); },
       .default_text = default_datastore_endpoint("<data-dir>"), .check = check_endpoint});
  add({.name = "datastore-durability", .group = "Datastore", .value_name = "full|normal",
       .help = "full: every acknowledged write survives power loss\n"
               "normal: fsync at checkpoints only; faster, may lose the last writes on power loss",
       .commands = kServer,
       .default_value = {s.datastore_durability == store::Durability::full ? "full" : "normal"},
       .check = check_durability});

  add({.name = "https-listen-port", .group = "Listener", .value_name = "PORT",
       .help = "Port of the HTTPS API", .commands = kServer,
       .default_value = {std::to_string(s.https_listen_port)}, .check = check_port});
  add({.name = "bind-address", .group = "Listener", .value_name = "IP",
       .help = "Address the HTTPS API listens on", .commands = kServer, .default_value = {s.bind_address},
       .check = check_ip});
  add({.name = "tls-san", .group = "Listener", .value_name = "NAME|IP",
       .help = "Extra host name or IP address on the serving certificate (repeatable or "
               "comma-separated)",
       .kind = K::list, .commands = kServer, .default_value = s.tls_sans, .check = check_san});

  add({.name = "cluster-cidr", .group = "Networking", .value_name = "CIDR",
       .help = "IP range of pod addresses", .commands = kServer, .default_value = {s.cluster_cidr},
       .check = check_cidr});
  add({.name = "service-cidr", .group = "Networking", .value_name = "CIDR",
       .help = "IP range of service cluster IPs", .commands = kServer, .default_value = {s.service_cidr},
       .check = check_cidr});
  add({.name = "cluster-dns", .group = "Networking", .value_name = "IP",
       .help = "Cluster IP of the DNS service (inside --service-cidr)", .commands = kServer,
       .default_value = {s.cluster_dns}, .check = check_ip});
  add({.name = "cluster-domain", .group = "Networking", .value_name = "DOMAIN",
       .help = "DNS domain of the cluster", .commands = kServer, .default_value = {s.cluster_domain},
       .check = check_dns_domain});

  add({.name = "write-kubeconfig", .short_name = "o", .group = "Kubeconfig", .value_name = "FILE",
       .help = "Write the admin kubeconfig to this file", .commands = kServer,
       .default_value = {s.write_kubeconfig}, .check = check_path});
  add({.name = "write-kubeconfig-mode", .group = "Kubeconfig", .value_name = "MODE",
       .help = "Octal permissions of the kubeconfig file", .commands = kServer,
       .default_value = {mode_text(s.write_kubeconfig_mode)}, .check = check_file_mode});

  add({.name = "kubelet-port", .group = "Agent", .value_name = "PORT",
       .help = "HTTPS port of the kubelet (logs, exec, attach and port-forward through the API server)",
       .commands = both, .default_value = {std::to_string(agent::AgentConfig{}.kubelet_port)}, .check = check_port});
  add({.name = "node-ip", .group = "Agent", .value_name = "IP",
       .help = "IP address the node reports as its InternalIP (default: the default route's interface address)",
       .commands = both, .check = check_ip});
  add({.name = "disable-agent", .group = "Agent", .help = "Run no node components on this server",
       .kind = K::boolean, .commands = kServer, .default_value = {s.disable_agent ? "true" : "false"}});
  add({.name = "disable-kube-proxy", .group = "Agent",
       .help = "Program no Service rules on this node (when another proxy does)", .kind = K::boolean,
       .commands = both, .default_value = {s.disable_kube_proxy ? "true" : "false"}});
  add({.name = "disable-network-policy", .group = "Agent", .help = "Enforce no NetworkPolicies on this node",
       .kind = K::boolean, .commands = both, .default_value = {s.disable_network_policy ? "true" : "false"}});
  add({.name = "disable-cluster-dns", .group = "Agent",
       .help = "Run no cluster DNS server on this node (the kube-dns address then answers nothing)",
       .kind = K::boolean, .commands = both, .default_value = {s.disable_cluster_dns ? "true" : "false"}});
  add({.name = "flannel-backend", .group = "Agent", .value_name = "vxlan|host-gw|none",
       .help = "How pods reach pods on other nodes: vxlan (UDP 8472) or host-gw (routes; nodes on one "
               "link); none sets up no pod network (pods get loopback only)",
       .commands = both, .default_value = {s.flannel_backend}, .check = check_flannel_backend});
  add({.name = "cgroup-root", .group = "Agent", .value_name = "NAME",
       .help = "Cgroup under which the node's pods run (<NAME>/kubepods/...)", .commands = both,
       .default_value = {s.cgroup_root}, .check = check_not_empty});
  return t;
}

}  // namespace

const std::vector<OptionSpec>& option_table() {
  static const std::vector<OptionSpec> table = build_table();
  return table;
}

const OptionSpec* find_option(std::string_view name) {
  for (const auto& spec : option_table()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string default_datastore_endpoint(const std::string& data_dir) {
  return "sqlite://" + data_dir + "/server/db/state.db";
}

}  // namespace mk::cli
