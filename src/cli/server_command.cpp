#include "cli/server_command.h"

#include "cli/settings.h"
#include "cli/validate.h"

namespace mk::cli {

Result<server::ServerConfig> to_server_config(const Settings& s) {
  server::ServerConfig cfg;
  cfg.data_dir = s.text("data-dir");
  cfg.node_name = s.text("node-name");
  cfg.token = s.text("token");
  cfg.token_file = s.text("token-file");
  cfg.join_url = s.text("join");
  cfg.datastore_endpoint = s.text("datastore-endpoint");
  cfg.datastore_durability =
      s.text("datastore-durability") == "normal" ? store::Durability::normal : store::Durability::full;
  cfg.https_listen_port = static_cast<uint16_t>(std::stoi(s.text("https-listen-port")));
  cfg.bind_address = s.text("bind-address");
  cfg.tls_sans = s.list("tls-san");
  cfg.cluster_cidr = s.text("cluster-cidr");
  cfg.service_cidr = s.text("service-cidr");
  cfg.cluster_dns = s.text("cluster-dns");
  cfg.cluster_domain = s.text("cluster-domain");
  cfg.write_kubeconfig = s.text("write-kubeconfig");
  cfg.write_kubeconfig_mode = parse_file_mode(s.text("write-kubeconfig-mode"));
  cfg.disable_agent = s.boolean("disable-agent");
  cfg.disable_kube_proxy = s.boolean("disable-kube-proxy");
  cfg.disable_cluster_dns = s.boolean("disable-cluster-dns");
  cfg.disable_network_policy = s.boolean("disable-network-policy");
  cfg.flannel_backend = s.text("flannel-backend");
  cfg.cgroup_root = s.text("cgroup-root");
  cfg.debug = s.boolean("debug");

  // Single values were checked while resolving, so these parse.
  auto services = parse_cidr(cfg.service_cidr);
  auto pods = parse_cidr(cfg.cluster_cidr);
  auto dns = parse_ip(cfg.cluster_dns);
  if (!services || !pods || !dns) return make_error(Errc::internal, "parse checked network settings");
  if (!services->contains(*dns)) {
    return make_error(Errc::invalid_argument, s.at("cluster-dns").origin + ": \"" + cfg.cluster_dns +
                                                  "\" is not inside the service CIDR " + cfg.service_cidr);
  }
  if (pods->overlaps(*services)) {
    return make_error(Errc::invalid_argument, s.at("cluster-cidr").origin + ": \"" + cfg.cluster_cidr +
                                                  "\" overlaps the service CIDR " + cfg.service_cidr);
  }
  return cfg;
}

}  // namespace mk::cli
