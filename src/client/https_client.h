#pragma once
// The API client over HTTPS, for components outside the server process (the agent, tools):
// REST calls on one keep-alive connection guarded by a mutex, and each watch on a connection of
// its own read by a thread. Authentication by client certificate or bearer token; the server
// is verified against the cluster CA.

#include <memory>
#include <string>

#include "client/client.h"
#include "common/error.h"

namespace mk::client {

struct HttpsClientConfig {
  std::string server;        // https://host:port
  std::string ca_pem;        // the cluster's server CA; empty: do not verify (only for tests)
  std::string cert_pem;      // client certificate and key, or
  std::string key_pem;
  std::string bearer_token;  // a bearer token
  std::string user_agent = "minikube";
  int timeout_seconds = 30;  // per REST call
};

Result<std::unique_ptr<ApiClient>> make_https_client(const HttpsClientConfig& config);

// The REST path of a resource: /api/v1/namespaces/ns/pods/name/status, /apis/apps/v1/...
std::string resource_path(const Resource& r, const std::string& ns, const std::string& name = "",
                          const std::string& subresource = "");

}  // namespace mk::client
