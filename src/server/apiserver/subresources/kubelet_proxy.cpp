#include "server/apiserver/subresources/kubelet_proxy.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>

#include "api/json_path.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "http/byte_stream.h"
#include "http/upstream.h"
#include "server/apiserver/server_impl.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;
using Writer = std::shared_ptr<http::ResponseWriter>;

constexpr size_t kMaxQueued = 4u << 20;  // bytes buffered one way before reading pauses

const json* find_named(const json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const auto& item : list)
    if (item.is_object() && item.value("name", "") == name) return &item;
  return nullptr;
}

std::vector<std::string> container_names(const json& spec) {
  std::vector<std::string> out;
  for (const char* key : {"containers", "initContainers", "ephemeralContainers"})
    if (auto it = spec.find(key); it != spec.end() && it->is_array())
      for (const auto& c : *it) out.push_back(c.value("name", ""));
  return out;
}

const json* container_status(const json& status, const std::string& name) {
  for (const char* key : {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"})
    if (auto it = status.find(key); it != status.end())
      if (const json* s = find_named(*it, name)) return s;
  return nullptr;
}

std::string waiting_reason(const json* status) {
  if (!status) return "ContainerCreating";
  const json& state = (*status)["state"];
  if (state.contains("waiting")) return state["waiting"].value("reason", "ContainerCreating");
  return "ContainerCreating";
}

bool has_state(const json* status, const char* which) {
  return status && status->contains("state") && (*status)["state"].is_object() && (*status)["state"].contains(which);
}

std::string encode(const std::string& s) {
  std::string out;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

api::ApiError bad(const std::string& message) { return api::bad_request(message); }

// The body of a response the kubelet refused, passed on as it is (a Status).
void relay_error(http::Upstream& up, const Writer& w) {
  auto body = up.read_all(1u << 20, std::chrono::seconds(10));
  std::string type = up.response().header("Content-Type");
  if (type.empty()) type = "application/json";
  w->respond(up.response().status, {{"Content-Type", type}}, body ? *body : std::string());
}

void stream_logs(std::unique_ptr<http::Upstream> up, Writer w) {
  if (up->response().status != 200) return relay_error(*up, w);
  std::string type = up->response().header("Content-Type");
  if (!w->start_stream(200, {{"Content-Type", type.empty() ? "text/plain" : type}, {"Cache-Control", "no-cache, private"}}))
    return;
  for (;;) {
    std::string out;
    auto more = up->read_body(out, std::chrono::milliseconds(200));
    if (!out.empty() && !w->write_chunk(std::move(out))) return;
    if (!more || !*more || w->closed()) break;
    // A slow client: let it catch up before reading more.
    while (w->pending_bytes() > kMaxQueued && !w->closed()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  w->end_stream();
}

// Bytes both ways between the client's upgraded connection and the kubelet's.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  explicit Relay(std::unique_ptr<http::Upstream> up)
      : up_(std::move(up)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  void start(std::shared_ptr<http::ByteStream> client) {
    client_ = std::move(client);
    std::weak_ptr<Relay> weak = shared_from_this();
    client_->start(
        [weak](std::string_view data) {
          auto self = weak.lock();
          if (!self) return;
          size_t queued;
          {
            std::lock_guard<std::mutex> lock(self->mu_);
            self->to_upstream_.append(data);
            queued = self->to_upstream_.size();
          }
          if (queued > kMaxQueued) self->client_->pause_reading(true);
          self->wake();
        },
        [weak] {
          if (auto self = weak.lock()) {
            {
              std::lock_guard<std::mutex> lock(self->mu_);
              self->client_closed_ = true;
            }
            self->wake();
          }
        });
    std::thread([self = shared_from_this()] { self->run(); }).detach();
  }

 private:
  void wake() {
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }

  void run() {
    std::string early = up_->take_buffered();
    if (!early.empty()) client_->write(std::move(early));
    std::string pending;
    bool client_closed = false;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        pending += to_upstream_;
        to_upstream_.clear();
        client_closed = client_closed_;
      }
      while (!pending.empty()) {
        auto n = up_->write_some(pending);
        if (!n) return finish();
        if (*n == 0) break;
        pending.erase(0, *n);
      }
      if (pending.size() < kMaxQueued) client_->pause_reading(false);
      if (client_closed && pending.empty()) return finish();

      bool client_slow = client_->pending_bytes() > kMaxQueued;
      pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {up_->fd(), 0, 0}};
      if (!client_slow) fds[1].events |= POLLIN;
      if (!pending.empty()) fds[1].events |= POLLOUT;
      int timeout = (!client_slow && up_->pending()) ? 0 : client_slow ? 20 : 1000;
      int n = ::poll(fds, 2, timeout);
      if (n < 0 && errno != EINTR) return finish();
      if (fds[0].revents & POLLIN) {
        uint64_t v;
        (void)!::read(wake_.get(), &v, sizeof v);
      }
      if (!client_slow && ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) || up_->pending())) {
        auto data = up_->read_some();
        if (!data) return finish();
        if (!data->empty() && !client_->write(std::move(*data))) return finish();
      }
    }
  }

  void finish() {
    client_->close();
    up_->close();
  }

  std::unique_ptr<http::Upstream> up_;
  UniqueFd wake_;
  std::shared_ptr<http::ByteStream> client_;
  std::mutex mu_;
  std::string to_upstream_;
  bool client_closed_ = false;
};

void relay_upgrade(std::unique_ptr<http::Upstream> up, Writer w) {
  if (up->response().status != 101) return relay_error(*up, w);
  http::Headers headers;
  for (const auto& [k, v] : up->response().headers) {
    if (http::iequals(k, "Content-Length") || http::iequals(k, "Transfer-Encoding")) continue;
    headers.emplace_back(k, v);
  }
  auto relay = std::make_shared<Relay>(std::move(up));
  w->upgrade(101, std::move(headers), [relay](std::shared_ptr<http::ByteStream> client) { relay->start(std::move(client)); });
}

}  // namespace

bool is_pod_stream(const std::string& subresource) {
  return subresource == "log" || subresource == "exec" || subresource == "attach" || subresource == "portforward";
}

void proxy_pod_stream(Registry& registry, const KubeletProxyConfig& config, const RequestInfo& info,
                      const http::Request& req, Writer w) {
  const std::string& sub = info.subresource;
  const std::string& ns = info.namespace_;
  const std::string& name = info.name;
  bool upgrade = sub != "log";
  if (sub == "log" && info.verb != "get")
    return respond_error(w, api::method_not_allowed("the server does not allow this method on the requested resource"));
  if (upgrade && info.verb != "get" && info.verb != "create")
    return respond_error(w, api::method_not_allowed("the server does not allow this method on the requested resource"));

  const auto& kinds = registry.context().kinds;
  auto pod = registry.get(*kinds.by_kind("", "v1", "Pod"), ns, name);
  if (!pod) return respond_error(w, pod.error());
  const json& spec = (*pod)["spec"];
  const json& status = pod->contains("status") ? (*pod)["status"] : json::object();
  auto query = http::parse_query(req.query);
  auto param = [&](const std::string& key) {
    for (const auto& [k, v] : query)
      if (k == key) return v;
    return std::string();
  };

  std::string container;
  if (sub != "portforward") {
    container = param("container");
    auto names = container_names(spec);
    if (container.empty()) {
      std::string annotated;
      if (const json* meta = &(*pod)["metadata"]; meta->contains("annotations") && (*meta)["annotations"].is_object())
        annotated = (*meta)["annotations"].value("kubectl.kubernetes.io/default-container", "");
      if (spec.contains("containers") && spec["containers"].size() == 1) container = spec["containers"][0].value("name", "");
      else if (!annotated.empty()) container = annotated;
      else {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : " ") + n;
        return respond_error(w, bad("a container name must be specified for pod " + name + ", choose one of: [" + list + "]"));
      }
    }
    if (std::find(names.begin(), names.end(), container) == names.end())
      return respond_error(w, bad("container " + container + " is not valid for pod " + name));
  }
  std::string node_name = spec.value("nodeName", "");
  if (node_name.empty()) return respond_error(w, bad("pod " + name + " does not have a host assigned"));
  std::string phase = status.value("phase", "");
  const json* cstatus = container.empty() ? nullptr : container_status(status, container);
  bool previous = param("previous") == "true" || param("previous") == "1";
  if (sub == "log" && !previous && !has_state(cstatus, "running") && !has_state(cstatus, "terminated")) {
    bool has_last = cstatus && cstatus->contains("lastState") && (*cstatus)["lastState"].contains("terminated");
    if (!has_last)
      return respond_error(w, bad("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: " +
                                  waiting_reason(cstatus)));
  }
  if (sub == "exec" || sub == "attach") {
    if (phase == "Succeeded" || phase == "Failed")
      return respond_error(w, bad("cannot " + std::string(sub == "exec" ? "exec into" : "attach to") +
                                  " a container in a completed pod; current phase is " + phase));
    if (!has_state(cstatus, "running")) {
      if (has_state(cstatus, "terminated"))
        return respond_error(w, bad("container \"" + container + "\" in pod \"" + name + "\" is not running"));
      return respond_error(w, bad("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: " +
                                  waiting_reason(cstatus)));
    }
  }

  // The node's kubelet.
  auto node = registry.get(*kinds.by_kind("", "v1", "Node"), "", node_name);
  if (!node) return respond_error(w, api::service_unavailable("node \"" + node_name + "\" of pod \"" + name + "\" is not registered"));
  std::string address;
  if (auto it = node->find("status"); it != node->end() && it->contains("addresses")) {
    for (const char* type : {"InternalIP", "ExternalIP", "Hostname"}) {
      for (const auto& a : (*it)["addresses"])
        if (a.value("type", "") == type && address.empty()) address = a.value("address", "");
    }
  }
  int port = 10250;
  if (int64_t p = api::int_at(*node, "status.daemonEndpoints.kubeletEndpoint.Port"); p > 0 && p < 65536)
    port = static_cast<int>(p);
  if (address.empty()) return respond_error(w, api::service_unavailable("node \"" + node_name + "\" reports no address"));

  std::string uid = api::string_at(*pod, "metadata.uid");
  std::string target;
  if (sub == "log") target = "/containerLogs/" + encode(ns) + "/" + encode(name) + "/" + encode(container);
  else if (sub == "portforward") target = "/portforward/" + encode(ns) + "/" + encode(name) + "/" + encode(uid);
  else target = "/" + sub + "/" + encode(ns) + "/" + encode(name) + "/" + encode(uid) + "/" + encode(container);
  if (!req.query.empty()) target += "?" + req.query;

  http::Headers headers;
  if (upgrade) {
    for (const auto& [k, v] : req.headers) {
      for (const char* keep : {"Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
                               "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version"})
        if (http::iequals(k, keep)) headers.emplace_back(k, v);
    }
  }
  http::UpstreamTarget t;
  t.host = address;
  t.port = port;
  t.ca_pem = config.ca_pem;
  t.cert_pem = config.cert_pem;
  t.key_pem = config.key_pem;
  auto up = http::Upstream::exchange(t, upgrade ? req.method : "GET", target, headers);
  if (!up) {
    MK_LOG(info) << "apiserver: " << sub << " " << ns << "/" << name << ": " << up.error().message;
    return respond_error(w, api::service_unavailable("error dialing backend: " + up.error().message + " (node \"" +
                                                     node_name + "\")"));
  }
  if (!upgrade) {
    // Streams end when the container does (follow) or the client goes away: a thread each.
    std::thread([up = std::move(*up), w]() mutable { stream_logs(std::move(up), w); }).detach();
    return;
  }
  relay_upgrade(std::move(*up), w);
}

}  // namespace mk::apiserver
