#include "agent/kubelet/streaming/port_forward_ws.h"

#include <charconv>

#include "common/log.h"

namespace mk::agent::kubelet::streaming {

Result<std::vector<std::uint16_t>> parse_port_list(std::string_view ports) {
  std::vector<std::uint16_t> out;
  while (!ports.empty()) {
    std::size_t comma = ports.find(',');
    std::string_view item = ports.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || value < 1 || value > 65535) {
      return make_error(Errc::invalid_argument, "unable to parse \"" + std::string(item) + "\" as a port");
    }
    out.push_back(static_cast<std::uint16_t>(value));
    if (comma == std::string_view::npos) break;
    ports.remove_prefix(comma + 1);
  }
  if (out.empty()) return make_error(Errc::invalid_argument, "query parameter \"ports\" is required");
  // Two channels per port, numbered by one byte.
  if (out.size() > 128) return make_error(Errc::invalid_argument, "at most 128 ports can be forwarded at once");
  return out;
}

std::shared_ptr<WebSocketPortForward> WebSocketPortForward::start(std::shared_ptr<Transport> messages,
                                                                  std::vector<std::uint16_t> ports,
                                                                  PortDialer dial, std::string pod,
                                                                  std::string uid) {
  std::shared_ptr<WebSocketPortForward> pf(
      new WebSocketPortForward(std::move(messages), std::move(ports), std::move(pod), std::move(uid)));
  std::weak_ptr<WebSocketPortForward> weak = pf;
  std::lock_guard lock(pf->mu_);
  for (std::size_t i = 0; i < pf->ports_.size(); ++i) {
    std::uint16_t port = pf->ports_[i];
    for (int ch = 0; ch < 2; ++ch) {
      std::string hello(1, static_cast<char>(2 * i + ch));
      hello.push_back(static_cast<char>(port & 0xff));
      hello.push_back(static_cast<char>(port >> 8));
      pf->out_->write(std::move(hello));
    }
    PodConnection::Callbacks cb;
    cb.dial = [dial, port] { return dial(port); };
    char channel = static_cast<char>(2 * i);
    cb.to_client = [out = pf->out_, channel](std::string_view data) {
      std::string msg(1, channel);
      msg.append(data);
      return out->write(std::move(msg));
    };
    cb.client_backlog = [out = pf->out_] { return out->pending_bytes(); };
    cb.on_end = [weak, i](const PodConnection::End& end) {
      if (auto self = weak.lock()) self->ended(i, end);
    };
    pf->conns_.push_back(PodConnection::start(std::move(cb), pf->gate_));
    ++pf->running_;
  }
  return pf;
}

WebSocketPortForward::WebSocketPortForward(std::shared_ptr<Transport> messages, std::vector<std::uint16_t> ports,
                                           std::string pod, std::string uid)
    : out_(std::move(messages)),
      ports_(std::move(ports)),
      pod_(std::move(pod)),
      uid_(std::move(uid)),
      gate_(std::make_shared<InboundGate>(out_)) {}

void WebSocketPortForward::on_message(std::string_view payload) {
  if (payload.empty()) return;
  std::size_t channel = static_cast<unsigned char>(payload[0]);
  // Only data channels carry client bytes; anything else is ignored, as upstream does.
  if (channel % 2 != 0 || channel / 2 >= ports_.size()) return;
  std::shared_ptr<PodConnection> conn;
  {
    std::lock_guard lock(mu_);
    if (closed_ || channel / 2 >= conns_.size()) return;
    conn = conns_[channel / 2];
  }
  conn->deliver(payload.substr(1));
}

void WebSocketPortForward::close() {
  std::vector<std::shared_ptr<PodConnection>> conns;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    conns.swap(conns_);
  }
  for (auto& c : conns) c->abort();
}

void WebSocketPortForward::ended(std::size_t index, const PodConnection::End& end) {
  if (!end.error.empty()) {
    std::string msg(1, static_cast<char>(2 * index + 1));
    msg += "error forwarding port " + std::to_string(ports_[index]) + " to pod " + pod_ + ", uid " + uid_ + ": " +
           end.error;
    MK_LOG(info) << "port-forward: " << msg.substr(1);
    out_->write(std::move(msg));
  }
  bool last;
  {
    std::lock_guard lock(mu_);
    last = --running_ == 0;
  }
  if (last) out_->close();
}

}  // namespace mk::agent::kubelet::streaming
