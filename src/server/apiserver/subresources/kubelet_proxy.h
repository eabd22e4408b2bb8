#pragma once
// pods/log, exec, attach and portforward: the API server finds the pod's node (its InternalIP
// and kubelet port from the Node's status) and proxies to that kubelet over TLS, verifying the
// kubelet's serving certificate against the server CA and presenting its own kubelet client
// certificate. Logs are streamed as they arrive; exec, attach and port-forward are relayed as
// raw bytes after the kubelet's 101, so the API server never parses their protocols.
// Checks first, with upstream's messages: 404 for a missing pod, 400 for a container that is
// not in the pod or not started, a pod with no node, or a completed pod; 503 when the node's
// kubelet cannot be reached.

#include <memory>
#include <string>

#include "http/request.h"
#include "http/response_writer.h"
#include "server/apiserver/registry.h"
#include "server/apiserver/request_info.h"

namespace mk::apiserver {

struct KubeletProxyConfig {
  std::string ca_pem;              // kubelets' serving certificates verify against it
  std::string cert_pem, key_pem;   // the API server's client certificate towards kubelets
};

bool is_pod_stream(const std::string& subresource);

// Answers through `w`, now (errors) or from a thread of its own (streams). Blocking for up to
// the connect timeout: call it from a worker thread.
void proxy_pod_stream(Registry& registry, const KubeletProxyConfig& config, const RequestInfo& info,
                      const http::Request& req, std::shared_ptr<http::ResponseWriter> w);

}  // namespace mk::apiserver
