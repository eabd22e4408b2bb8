#pragma once
// The server's certificates, made on first start, reused on every later one, and renewed before
// they expire. See paths.h for the files; a server calls ensure_server_pki() at start and may
// call it again (say daily) to renew a long-running server's leaves, reloading its TLS context
// when serving.cert_pem changed.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "server/pki/authority.h"
#include "server/pki/paths.h"
#include "server/pki/sans.h"
#include "server/pki/token.h"

namespace mk::pki {

struct PkiOptions {
  std::filesystem::path data_dir = "/var/lib/minikube";
  std::vector<std::string> extra_sans;  // --tls-san
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_domain = "cluster.local";
  std::string token;                    // --token; empty: generate one on first start
  bool include_host_addresses = true;   // put the host's addresses and name on the serving cert

  std::chrono::seconds ca_validity = std::chrono::days(3650);
  std::chrono::seconds leaf_validity = std::chrono::days(365);
  // Leaves expiring sooner than this are re-issued; must be shorter than leaf_validity.
  std::chrono::seconds renew_before = std::chrono::days(90);
};

struct ServerPki {
  PkiPaths paths;
  CertAuthority server_ca;  // signs serving certificates; clients (kubeconfig, agents) trust it
  CertAuthority client_ca;  // signs client certificates; the API server trusts it
  KeyPair serving;          // kube-apiserver's serving certificate
  KeyPair admin;            // CN system:admin, O system:masters
  // The API server's client certificate towards kubelets (logs, exec, attach, port-forward).
  KeyPair kubelet_client;   // CN kube-apiserver-kubelet-client, O system:masters
  std::string service_key_pem;  // signs service-account tokens
  SanSet serving_sans;          // what the serving certificate was required to cover
  JoinToken token;
};

Result<ServerPki> ensure_server_pki(const PkiOptions& options);

// The user a kubelet lets in: the subject CN of the API server's kubelet client certificate.
inline constexpr const char kKubeletClientUser[] = "kube-apiserver-kubelet-client";

// A kubelet's serving certificate for node `node_name`, signed by the server CA: the node's
// addresses as IP SANs, its name and "localhost" as DNS SANs, 127.0.0.1 always.
Result<KeyPair> issue_kubelet_serving_cert(const ServerPki& pki, const std::string& node_name,
                                           const std::vector<std::string>& addresses, std::chrono::seconds validity);

}  // namespace mk::pki
