#include "agent/kubelet_server/kubelet_server.h"

#include <nlohmann/json.hpp>

#include <mutex>
#include <vector>

#include "agent/kubelet_server/container_logs.h"
#include "agent/kubelet_server/remote_command.h"
#include "api/status.h"
#include "common/log.h"
#include "http/server.h"

namespace mk::agent::kubelet {

struct KubeletServer::Impl {
  KubeletServerOptions options;
  runtime::pod::Runtime runtime;
  std::unique_ptr<http::Server> http;
  std::mutex mu;
  PortForwardHandler port_forward;
  StreamTasks tasks;

  Impl(KubeletServerOptions o, const runtime::pod::Runtime& r) : options(std::move(o)), runtime(r) {}
  void handle(http::Request&& req, std::shared_ptr<http::ResponseWriter> w);
};

namespace {

void respond_error(const std::shared_ptr<http::ResponseWriter>& w, const api::ApiError& e) {
  w->respond(e.code, {{"Content-Type", "application/json"}}, e.to_status().dump());
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(http::percent_decode(path.substr(start, slash - start)));
    start = slash + 1;
  }
  return parts;
}

api::ApiError pod_not_found(const std::string& name) { return api::not_found("pods", "", "pods", name); }

}  // namespace

// The runtime's pod of that namespace and name (and uid when given); a running one first, as a
// pod recreated under the same name may briefly have an old sandbox beside it.
Result<PodTarget> find_pod(const runtime::pod::Runtime& runtime, const std::string& ns, const std::string& name,
                           const std::string& uid) {
  auto pods = runtime.list();
  if (!pods) return pods.error();
  const runtime::pod::PodStatus* found = nullptr;
  for (const auto& p : *pods) {
    if (p.namespace_name != ns || p.name != name) continue;
    if (!uid.empty() && p.uid != uid) continue;
    if (!found || (found->shim_pid == 0 && p.shim_pid != 0)) found = &p;
  }
  if (!found) return make_error(Errc::not_found, "pod " + ns + "/" + name + " is not on this node");
  return PodTarget{found->uid, found->namespace_name, found->name, runtime.pod_dir(found->uid)};
}

void KubeletServer::Impl::handle(http::Request&& req, std::shared_ptr<http::ResponseWriter> w) {
  if (req.peer_common_name.empty()) return respond_error(w, api::unauthorized());
  auto parts = split_path(req.path);
  if (req.peer_common_name != options.allowed_user) {
    std::string verb = req.method == "GET" ? "get" : req.method == "POST" ? "create" : "unknown";
    std::string sub = parts.empty() ? "" : parts[0];
    return respond_error(w, api::forbidden("Forbidden (user=" + req.peer_common_name + ", verb=" + verb +
                                           ", resource=nodes, subresource=" +
                                           (sub == "containerLogs" ? "log" : sub.empty() ? "proxy" : sub) + ")"));
  }
  if (parts.size() == 1 && parts[0] == "healthz") {
    w->respond(200, {{"Content-Type", "text/plain; charset=utf-8"}}, "ok");
    return;
  }
  if (parts.empty()) return respond_error(w, api::no_such_path());
  const std::string& kind = parts[0];
  bool with_container = kind == "containerLogs" || kind == "exec" || kind == "attach";
  if (!with_container && kind != "portforward") return respond_error(w, api::no_such_path());
  // <kind>/<ns>/<pod>[/<uid>]/<container> or portforward/<ns>/<pod>[/<uid>]
  size_t fixed = with_container ? 4 : 3;
  if (parts.size() != fixed && parts.size() != fixed + 1) return respond_error(w, api::no_such_path());
  const std::string& ns = parts[1];
  const std::string& name = parts[2];
  std::string uid = parts.size() == fixed + 1 ? parts[3] : "";
  std::string container = with_container ? parts.back() : "";
  auto pod = find_pod(runtime, ns, name, uid);
  if (!pod) {
    if (pod.error().code == Errc::not_found) return respond_error(w, pod_not_found(name));
    return respond_error(w, api::internal_error(pod.error().message));
  }
  auto query = http::parse_query(req.query);

  if (kind == "portforward") {
    PortForwardHandler handler;
    {
      std::lock_guard<std::mutex> lock(mu);
      handler = port_forward;
    }
    if (!handler) return respond_error(w, api::service_unavailable("port forwarding is not available on this node"));
    return handler(req, std::move(w), *pod);
  }
  if (kind == "containerLogs") {
    if (req.method != "GET") return respond_error(w, api::method_not_allowed("only GET is allowed"));
    auto opts = parse_log_options(query);
    if (!opts) return respond_error(w, api::bad_request(opts.error().message));
    opts->container = container;
    return serve_container_logs(runtime, *pod, *opts, std::move(w), tasks);
  }
  auto opts = parse_remote_command_options(query, kind == "exec");
  if (!opts) return respond_error(w, api::bad_request(opts.error().message));
  opts->container = container;
  serve_remote_command(runtime, *pod, *opts, req, std::move(w), tasks);
}

KubeletServer::KubeletServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

KubeletServer::~KubeletServer() {
  if (!impl_) return;
  impl_->tasks.stop();
  if (impl_->http) impl_->http->shutdown(std::chrono::milliseconds(2000));
  impl_->tasks.wait();
}

int KubeletServer::port() const { return impl_->http->port(); }

void KubeletServer::set_port_forward_handler(PortForwardHandler handler) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->port_forward = std::move(handler);
}

Result<std::unique_ptr<KubeletServer>> KubeletServer::start(const KubeletServerOptions& options,
                                                            const runtime::pod::Runtime& runtime) {
  if (options.cert_pem.empty() || options.client_ca_pem.empty())
    return make_error(Errc::invalid_argument, "kubelet server: a serving certificate and a client CA are required");
  auto impl = std::make_shared<Impl>(options, runtime);
  http::ServerOptions ho;
  ho.bind_address = options.bind_address;
  ho.port = options.port;
  ho.cert_pem = options.cert_pem;
  ho.key_pem = options.key_pem;
  ho.client_ca_pem = options.client_ca_pem;
  ho.threads = 1;
  // Streams (logs -f, exec) stay open as long as their commands run.
  ho.idle_timeout = std::chrono::minutes(10);
  std::weak_ptr<Impl> weak = impl;
  auto server = http::Server::start(ho, [weak](http::Request&& req, std::shared_ptr<http::ResponseWriter> w) {
    auto self = weak.lock();
    if (!self) return;
    try {
      self->handle(std::move(req), w);
    } catch (const std::exception& e) {
      MK_LOG(error) << "kubelet server: " << e.what();
      respond_error(w, api::internal_error(e.what()));
    }
  });
  if (!server) return server.error().wrap("kubelet server");
  impl->http = std::move(*server);
  MK_LOG(info) << "kubelet: serving on " << options.bind_address << ":" << impl->http->port();
  return std::unique_ptr<KubeletServer>(new KubeletServer(std::move(impl)));
}

}  // namespace mk::agent::kubelet
