#pragma once
// The admin credentials the server wrote into its kubeconfig: the cluster CA and the client
// certificate and key, all PEM (the kubeconfig holds them base64-encoded).

#include <string>

#include "common/error.h"

namespace mk::bench {

struct KubeCredentials {
  std::string server;  // https://127.0.0.1:<port>
  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
};

Result<KubeCredentials> read_kubeconfig(const std::string& path);

}  // namespace mk::bench
