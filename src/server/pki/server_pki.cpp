#include "server/pki/server_pki.h"

#include "server/pki/file_util.h"
#include "server/pki/tls_files.h"

namespace mk::pki {

namespace {

Status check_options(const PkiOptions& o) {
  if (o.data_dir.empty()) return make_error(Errc::invalid_argument, "server PKI: data dir is empty");
  if (o.ca_validity <= o.leaf_validity) {
    return make_error(Errc::invalid_argument, "server PKI: CA validity must exceed leaf validity");
  }
  // Otherwise every fresh leaf would already be due for renewal and be re-issued on each start.
  if (o.renew_before.count() < 0 || o.renew_before >= o.leaf_validity) {
    return make_error(Errc::invalid_argument, "server PKI: renewal window must be shorter than leaf validity");
  }
  return Status::ok();
}

}  // namespace

Result<ServerPki> ensure_server_pki(const PkiOptions& options) {
  if (auto st = check_options(options); !st) return st.error();
  ServerPki pki;
  pki.paths = pki_paths(options.data_dir);
  const PkiPaths& p = pki.paths;

  // Computed first so a bad --tls-san fails before anything is written.
  auto sans = serving_sans({options.extra_sans, options.service_cidr, options.cluster_domain,
                            options.include_host_addresses});
  if (!sans) return sans.error();
  pki.serving_sans = std::move(*sans);

  if (auto st = ensure_dir(p.server_dir, 0700); !st) return st.error();
  if (auto st = ensure_dir(p.tls_dir, 0700); !st) return st.error();

  auto server_ca = load_or_create_ca(p.server_ca_cert, p.server_ca_key,
                                     {"server CA", "minikube-server-ca", options.ca_validity, options.renew_before});
  if (!server_ca) return server_ca.error();
  pki.server_ca = std::move(*server_ca);
  auto client_ca = load_or_create_ca(p.client_ca_cert, p.client_ca_key,
                                     {"client CA", "minikube-client-ca", options.ca_validity, options.renew_before});
  if (!client_ca) return client_ca.error();
  pki.client_ca = std::move(*client_ca);

  LeafSpec serving{"serving certificate", "kube-apiserver", {}, pki.serving_sans,
                   options.leaf_validity, options.renew_before};
  auto serving_pair = ensure_leaf(p.serving_cert, p.serving_key, pki.server_ca, serving);
  if (!serving_pair) return serving_pair.error();
  pki.serving = std::move(*serving_pair);

  LeafSpec admin{"admin client certificate", "system:admin", {"system:masters"}, std::nullopt,
                 options.leaf_validity, options.renew_before};
  auto admin_pair = ensure_leaf(p.admin_cert, p.admin_key, pki.client_ca, admin);
  if (!admin_pair) return admin_pair.error();
  pki.admin = std::move(*admin_pair);

  LeafSpec kubelet_client{"kubelet client certificate", kKubeletClientUser, {"system:masters"}, std::nullopt,
                          options.leaf_validity, options.renew_before};
  auto kubelet_pair = ensure_leaf(p.kubelet_client_cert, p.kubelet_client_key, pki.client_ca, kubelet_client);
  if (!kubelet_pair) return kubelet_pair.error();
  pki.kubelet_client = std::move(*kubelet_pair);

  auto service_key = load_or_create_key(p.service_key, "service-account signing key");
  if (!service_key) return service_key.error();
  pki.service_key_pem = std::move(*service_key);

  auto token = ensure_join_token(p.token, p.node_token, pki.server_ca.cert_pem, options.token);
  if (!token) return token.error();
  pki.token = std::move(*token);
  return pki;
}

Result<KeyPair> issue_kubelet_serving_cert(const ServerPki& pki, const std::string& node_name,
                                           const std::vector<std::string>& addresses, std::chrono::seconds validity) {
  SanSet sans;
  for (const std::string& name : {node_name, std::string("localhost"), std::string("127.0.0.1")}) {
    if (auto st = add_san(sans, name); !st) return st.error().wrap("kubelet serving certificate");
  }
  for (const auto& address : addresses) {
    if (address.empty()) continue;
    if (auto st = add_san(sans, address); !st) return st.error().wrap("kubelet serving certificate");
  }
  normalize(sans);
  return issue_serving_cert(pki.server_ca, "system:node:" + node_name, sans, validity);
}

}  // namespace mk::pki
