#pragma once
// Where the server's PKI lives under the data dir, laid out as k3s does:
//
//   <data-dir>/server/
//     token, node-token                 join token (node-token: the name k3s documents)
//     tls/                              0700
//       server-ca.crt, server-ca.key    CA of serving certificates; clients trust this one
//       client-ca.crt, client-ca.key    CA of client certificates; the API server trusts this one
//       serving-kube-apiserver.crt/.key the API server's serving certificate
//       client-admin.crt/.key           system:admin in system:masters (the admin kubeconfig)
//       client-kube-apiserver-kubelet.crt/.key  the API server's identity towards kubelets
//       service.key                     signs service-account tokens

#include <filesystem>

namespace mk::pki {

struct PkiPaths {
  std::filesystem::path server_dir;
  std::filesystem::path tls_dir;
  std::filesystem::path server_ca_cert;
  std::filesystem::path server_ca_key;
  std::filesystem::path client_ca_cert;
  std::filesystem::path client_ca_key;
  std::filesystem::path serving_cert;
  std::filesystem::path serving_key;
  std::filesystem::path admin_cert;
  std::filesystem::path admin_key;
  std::filesystem::path kubelet_client_cert;
  std::filesystem::path kubelet_client_key;
  std::filesystem::path service_key;
  std::filesystem::path token;
  std::filesystem::path node_token;
};

PkiPaths pki_paths(const std::filesystem::path& data_dir);

}  // namespace mk::pki
