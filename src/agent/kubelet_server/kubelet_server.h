#pragma once
// The kubelet's HTTPS server (port 10250 by default), which only the API server calls: it
// presents a client certificate from the cluster's client CA with the user
// kube-apiserver-kubelet-client. Anyone else gets 401 (no certificate) or 403 (another user).
//
//   GET  /healthz
//   GET  /containerLogs/<ns>/<pod>/<container>?follow&tailLines&sinceSeconds&sinceTime&
//        timestamps&limitBytes&previous                         (container_logs.h)
//   GET  /exec/<ns>/<pod>/<container>?command=..&stdin&stdout&stderr&tty   WebSocket upgrade
//   GET  /attach/<ns>/<pod>/<container>?stdin&stdout&stderr&tty            (remote_command.h)
//   GET|POST /portforward/<ns>/<pod>    upgrade; served by the handler set with
//                                       set_port_forward_handler()
// A pod is found in the runtime by namespace and name; paths may also carry the pod's uid
// after the name (/exec/<ns>/<pod>/<uid>/<container>), as upstream's do.

#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "http/request.h"
#include "http/response_writer.h"
#include "runtime/pod/runtime.h"

namespace mk::agent::kubelet {

inline constexpr const char kApiServerKubeletUser[] = "kube-apiserver-kubelet-client";

struct KubeletServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 10250;  // 0: any free port (see KubeletServer::port())
  std::string cert_pem, key_pem;  // serving certificate (signed by the server CA) and key
  std::string client_ca_pem;      // the CA of the API server's client certificate
  std::string allowed_user = kApiServerKubeletUser;
};

// The pod a stream request is for, as the runtime has it.
struct PodTarget {
  std::string uid, namespace_name, name;
  std::string pod_dir;  // <data-dir>/agent/pods/<uid>: ns/net is the pod's network namespace
};

// Serves one port-forward request: performs the upgrade on `writer` (WebSocket or SPDY, as the
// request asks) and relays. Called on an I/O thread of the server: must not block.
using PortForwardHandler = std::function<void(const http::Request& request,
                                              std::shared_ptr<http::ResponseWriter> writer, const PodTarget& pod)>;

class KubeletServer {
 public:
  // `runtime` is copied (a Runtime is only its configuration).
  static Result<std::unique_ptr<KubeletServer>> start(const KubeletServerOptions& options,
                                                      const runtime::pod::Runtime& runtime);
  ~KubeletServer();  // stops serving; open streams end
  KubeletServer(const KubeletServer&) = delete;
  KubeletServer& operator=(const KubeletServer&) = delete;

  int port() const;
  // /portforward/... requests go to `handler`; without one they get 503.
  void set_port_forward_handler(PortForwardHandler handler);

  struct Impl;

 private:
  explicit KubeletServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace mk::agent::kubelet
