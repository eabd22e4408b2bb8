#include "server/pki/paths.h"

namespace mk::pki {

PkiPaths pki_paths(const std::filesystem::path& data_dir) {
  PkiPaths p;
  p.server_dir = data_dir / "server";
  p.tls_dir = p.server_dir / "tls";
  p.server_ca_cert = p.tls_dir / "server-ca.crt";
  p.server_ca_key = p.tls_dir / "server-ca.key";
  p.client_ca_cert = p.tls_dir / "client-ca.crt";
  p.client_ca_key = p.tls_dir / "client-ca.key";
  p.serving_cert = p.tls_dir / "serving-kube-apiserver.crt";
  p.serving_key = p.tls_dir / "serving-kube-apiserver.key";
  p.admin_cert = p.tls_dir / "client-admin.crt";
  p.admin_key = p.tls_dir / "client-admin.key";
  p.kubelet_client_cert = p.tls_dir / "client-kube-apiserver-kubelet.crt";
  p.kubelet_client_key = p.tls_dir / "client-kube-apiserver-kubelet.key";
  p.service_key = p.tls_dir / "service.key";
  p.token = p.server_dir / "token";
  p.node_token = p.server_dir / "node-token";
  return p;
}

}  // namespace mk::pki
