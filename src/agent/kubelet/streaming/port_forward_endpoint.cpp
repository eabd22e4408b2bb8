#include "agent/kubelet/streaming/port_forward_endpoint.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "agent/kubelet/streaming/pod_dialer.h"
#include "agent/kubelet/streaming/port_forward_spdy.h"
#include "agent/kubelet/streaming/port_forward_ws.h"
#include "agent/kubelet/streaming/transport.h"
#include "common/log.h"
#include "http/byte_stream.h"
#include "http/status_body.h"
#include "http/websocket.h"
#include "runtime/pod/sandbox.h"
#include "runtime/shim/container_files.h"

namespace mk::agent::kubelet::streaming {
namespace {

namespace ws = http::websocket;

constexpr char kSpdyTunnelProtocol[] = "SPDY/3.1+portforward.k8s.io";
constexpr char kPortForwardProtocol[] = "portforward.k8s.io";

// SPDY directly on the upgraded connection.
class RawTransport final : public Transport {
 public:
  explicit RawTransport(std::shared_ptr<http::ByteStream> s) : s_(std::move(s)) {}
  bool write(std::string bytes) override { return s_->write(std::move(bytes)); }
  std::size_t pending_bytes() const override { return s_->pending_bytes(); }
  void pause_reading(bool paused) override { s_->pause_reading(paused); }
  void close() override { s_->close(); }

 private:
  std::shared_ptr<http::ByteStream> s_;
};

// One binary WebSocket message per write; close() sends a normal close frame first.
class WebSocketTransport final : public Transport {
 public:
  explicit WebSocketTransport(std::shared_ptr<http::ByteStream> s) : s_(std::move(s)) {}
  bool write(std::string bytes) override { return s_->write(ws::encode_frame(ws::Opcode::binary, bytes)); }
  std::size_t pending_bytes() const override { return s_->pending_bytes(); }
  void pause_reading(bool paused) override { s_->pause_reading(paused); }
  void close() override {
    if (closing_.exchange(true)) return;
    s_->write(ws::close_frame(1000));
    s_->close();
  }
  void pong(std::string payload) { s_->write(ws::encode_frame(ws::Opcode::pong, payload)); }

 private:
  std::shared_ptr<http::ByteStream> s_;
  std::atomic<bool> closing_{false};
};

std::vector<std::string> header_tokens(const http::Request& req, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : req.headers) {
    if (!http::iequals(k, name)) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

// Every "ports" value of the query, joined with commas.
std::string query_ports(std::string_view query) {
  std::string joined;
  for (const auto& [key, value] : http::parse_query(query)) {
    if (key != "ports") continue;
    if (!joined.empty()) joined += ',';
    joined += value;
  }
  return joined;
}

void respond_status(const std::shared_ptr<http::ResponseWriter>& w, int code, const std::string& reason,
                    const std::string& message) {
  w->respond(code, {{"Content-Type", "application/json"}}, http::status_json(code, reason, message));
}

// The pod's network namespace file, or "" for a host-network pod.
Result<std::string> pod_netns(const PortForwardPod& pod) {
  auto j = runtime::shim::read_json_file(pod.pod_dir + "/pod.json");
  if (!j) return j.error();
  auto spec = runtime::pod::spec_from_json(*j);
  if (!spec) return spec.error();
  std::string net = runtime::pod::sandbox_paths(pod.pod_dir, *spec).net;
  struct stat st{};
  if (!net.empty() && ::stat(net.c_str(), &st) != 0) {
    return make_error(Errc::unavailable, "pod " + pod.namespace_name + "/" + pod.name + " has no network namespace");
  }
  return net;
}

// Runs the SPDY port-forward on `stream`; `tunnelled`: inside WebSocket messages.
void run_spdy(std::shared_ptr<http::ByteStream> stream, bool tunnelled, PortDialer dial, const PortForwardPod& pod) {
  std::string name = pod.namespace_name + "/" + pod.name;
  if (!tunnelled) {
    auto pf = SpdyPortForward::create(std::make_shared<RawTransport>(stream), dial, name, pod.uid);
    stream->start([pf](std::string_view bytes) { pf->feed(bytes); }, [pf] { pf->close(); });
    return;
  }
  auto transport = std::make_shared<WebSocketTransport>(stream);
  auto pf = SpdyPortForward::create(transport, dial, name, pod.uid);
  auto decoder = std::make_shared<ws::Decoder>();
  stream->start(
      [pf, transport, decoder, name](std::string_view bytes) {
        std::vector<ws::Message> messages;
        bool ok = decoder->feed(bytes, messages);
        for (auto& m : messages) {
          if (m.opcode == ws::Opcode::binary) {
            if (!pf->feed(m.payload)) return;
          } else if (m.opcode == ws::Opcode::ping) {
            transport->pong(std::move(m.payload));
          } else if (m.opcode == ws::Opcode::close) {
            transport->close();
            return;
          }
        }
        if (!ok) {
          MK_LOG(warn) << "port-forward " << name << ": websocket: " << decoder->error();
          transport->close();
        }
      },
      [pf] { pf->close(); });
}

void run_channels(std::shared_ptr<http::ByteStream> stream, std::vector<std::uint16_t> ports, PortDialer dial,
                  const PortForwardPod& pod) {
  std::string name = pod.namespace_name + "/" + pod.name;
  auto transport = std::make_shared<WebSocketTransport>(stream);
  auto decoder = std::make_shared<ws::Decoder>();
  auto pf = WebSocketPortForward::start(transport, std::move(ports), std::move(dial), name, pod.uid);
  stream->start(
      [pf, transport, decoder, name](std::string_view bytes) {
        std::vector<ws::Message> messages;
        bool ok = decoder->feed(bytes, messages);
        for (auto& m : messages) {
          if (m.opcode == ws::Opcode::binary) {
            pf->on_message(m.payload);
          } else if (m.opcode == ws::Opcode::ping) {
            transport->pong(std::move(m.payload));
          } else if (m.opcode == ws::Opcode::close) {
            transport->close();
            return;
          }
        }
        if (!ok) {
          MK_LOG(warn) << "port-forward " << name << ": websocket: " << decoder->error();
          transport->close();
        }
      },
      [pf] { pf->close(); });
}

}  // namespace

void serve_port_forward(const http::Request& req, std::shared_ptr<http::ResponseWriter> w, const PortForwardPod& pod) {
  auto netns = pod_netns(pod);
  if (!netns) {
    respond_status(w, 500, "InternalError", "port-forward: " + netns.error().message);
    return;
  }
  PortDialer dial = [path = *netns](std::uint16_t port) {
    auto fd = dial_pod_port(path, port);
    if (!fd && !path.empty()) {
      return Result<UniqueFd>(make_error(fd.error().code, "failed to connect to localhost:" + std::to_string(port) +
                                                              " inside the pod's network namespace: " +
                                                              fd.error().message));
    }
    return fd;
  };

  if (ws::is_upgrade_request(req)) {
    auto offered = ws::offered_protocols(req);
    auto has = [&](std::string_view p) { return std::find(offered.begin(), offered.end(), p) != offered.end(); };
    if (has(kSpdyTunnelProtocol)) {
      PortForwardPod target = pod;
      w->upgrade(101, ws::handshake_headers(req, kSpdyTunnelProtocol),
                 [dial, target](std::shared_ptr<http::ByteStream> s) { run_spdy(std::move(s), true, dial, target); });
      return;
    }
    std::string protocol;
    if (has("v4.channel.k8s.io")) {
      protocol = "v4.channel.k8s.io";
    } else if (has("channel.k8s.io")) {
      protocol = "channel.k8s.io";
    } else if (!offered.empty()) {
      respond_status(w, 400, "BadRequest",
                     "unable to upgrade: unsupported websocket protocols for port-forward; supported: " +
                         std::string(kSpdyTunnelProtocol) + ", v4.channel.k8s.io, channel.k8s.io");
      return;
    }
    auto ports = parse_port_list(query_ports(req.query));
    if (!ports) {
      respond_status(w, 400, "BadRequest", ports.error().message);
      return;
    }
    PortForwardPod target = pod;
    w->upgrade(101, ws::handshake_headers(req, protocol),
               [ports = *ports, dial, target](std::shared_ptr<http::ByteStream> s) {
                 run_channels(std::move(s), ports, dial, target);
               });
    return;
  }

  auto upgrade = header_tokens(req, "Upgrade");
  bool spdy = std::any_of(upgrade.begin(), upgrade.end(), [](const std::string& t) {
    return http::iequals(t, "SPDY/3.1");
  });
  if (!spdy) {
    respond_status(w, 400, "BadRequest", "Upgrade request required");
    return;
  }
  // httpstream.Handshake: without a version header the client is an old one and gets none.
  auto versions = header_tokens(req, "X-Stream-Protocol-Version");
  http::Headers headers = {{"Connection", "Upgrade"}, {"Upgrade", "SPDY/3.1"}};
  if (!versions.empty()) {
    if (std::find(versions.begin(), versions.end(), kPortForwardProtocol) == versions.end()) {
      std::string offered;
      for (const auto& v : versions) offered += (offered.empty() ? "" : " ") + v;
      respond_status(w, 403, "Forbidden",
                     "unable to upgrade: unable to negotiate protocol: client supports [" + offered +
                         "], server supports [" + kPortForwardProtocol + "]");
      return;
    }
    headers.emplace_back("X-Stream-Protocol-Version", kPortForwardProtocol);
  }
  PortForwardPod target = pod;
  w->upgrade(101, std::move(headers),
             [dial, target](std::shared_ptr<http::ByteStream> s) { run_spdy(std::move(s), false, dial, target); });
}

}  // namespace mk::agent::kubelet::streaming
