#pragma once
// The kubelet's /portforward/<ns>/<pod> endpoint: chooses the protocol from the upgrade request
// and connects it to the pod's ports.
//
//   GET, Upgrade: websocket, Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io
//       kubectl's first try: SPDY/3.1 carried in WebSocket binary messages
//   POST (or GET), Upgrade: SPDY/3.1, X-Stream-Protocol-Version: portforward.k8s.io
//       kubectl's fallback: SPDY/3.1 directly on the connection
//   GET ?ports=80,443, Upgrade: websocket, Sec-WebSocket-Protocol: v4.channel.k8s.io (or none)
//       the Python client's channel protocol (streaming/port_forward_ws.h)

#include <memory>
#include <string>

#include "http/request.h"
#include "http/response_writer.h"

namespace mk::agent::kubelet::streaming {

// The pod as the runtime has it.
struct PortForwardPod {
  std::string uid, namespace_name, name;
  std::string pod_dir;  // its pod.json says whether it uses the host's network; ns/net if not
};

// Answers one request (an error Status, or the upgrade). Never blocks: dialing and copying run
// on threads of their own.
void serve_port_forward(const http::Request& request, std::shared_ptr<http::ResponseWriter> writer,
                        const PortForwardPod& pod);

}  // namespace mk::agent::kubelet::streaming
