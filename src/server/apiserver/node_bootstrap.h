#pragma once
// What a joining node fetches besides /cacerts, as k3s serves it under /v1-k3s/:
//   GET /v1-minikube/serving-kubelet.crt   headers Minikube-Node-Name, Minikube-Node-IP (comma-
//                                          separated): the kubelet's serving certificate and its
//                                          key, PEM, one after the other
//   GET /v1-minikube/client-ca.crt         the CA of client certificates, which the kubelet
//                                          checks the API server's certificate against
// Only nodes (group system:nodes, the join token) and system:masters may ask.

#include <memory>

#include "http/request.h"
#include "http/response_writer.h"
#include "server/apiserver/api_server.h"
#include "server/apiserver/context.h"

namespace mk::apiserver {

inline constexpr const char kNodeBootstrapPrefix[] = "/v1-minikube/";

void serve_node_bootstrap(const ApiServerOptions& options, const http::Request& req, const User& user,
                          const std::shared_ptr<http::ResponseWriter>& w);

}  // namespace mk::apiserver
