#pragma once
// The API server: HTTPS front (src/http), authentication and authorization, discovery,
// and the generic registry for every kind, over the key-value store.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/kv.h"

namespace mk::client {
class ApiClient;
}

namespace mk::apiserver {

struct ApiServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 6443;
  std::string cert_pem, key_pem;   // serving certificate chain and key
  std::string client_ca_pem;       // CA for client certificates
  std::string server_ca_pem;       // served anonymously at /cacerts for joining agents
  std::string token_file;          // static bearer tokens (token,user,uid,"groups")
  std::string advertise_address = "127.0.0.1:6443";
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_dns = "10.43.0.10";
  int io_threads = 2;
  int workers = 16;
  // The join token's secret: agents present it as a bearer token until they have certificates.
  std::string node_token;
  // Signs and verifies service-account tokens (PEM, ECDSA P-256 or RSA); none: no TokenRequest.
  std::string service_account_key_pem;
  std::string service_account_issuer = "https://kubernetes.default.svc.cluster.local";

  // Kubelets: a node (system:nodes) asks for its serving certificate at
  // /v1-minikube/serving-kubelet.crt; unset, none is issued. Returns the certificate and key PEM.
  std::function<Result<std::pair<std::string, std::string>>(const std::string& node,
                                                            const std::vector<std::string>& addresses)>
      issue_kubelet_serving_cert;
  // What the API server presents to kubelets (logs, exec, attach, port-forward), and the CA their
  // serving certificates must verify against (the server CA).
  std::string kubelet_client_cert_pem, kubelet_client_key_pem;
  std::string kubelet_ca_pem;
};

struct User;

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> start(store::Store& store, const ApiServerOptions& options);
  ~ApiServer();
  int port() const;
  // Serves renewed certificates to new connections.
  Status reload_tls(const std::string& cert_pem, const std::string& key_pem, const std::string& client_ca_pem);
  // Stops accepting, ends watches, lets requests in progress finish (up to `grace_ms`).
  void shutdown(int grace_ms);
  // A client for components in this process (controllers, scheduler), acting as `user`.
  std::unique_ptr<client::ApiClient> in_process_client(const User& user);

  struct Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mk::apiserver
