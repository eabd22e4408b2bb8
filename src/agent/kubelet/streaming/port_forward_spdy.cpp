#include "agent/kubelet/streaming/port_forward_spdy.h"

#include <charconv>
#include <vector>

#include "common/log.h"

namespace mk::agent::kubelet::streaming {
namespace {

// Port header value as upstream accepts it: decimal, 1..65535.
std::optional<std::uint16_t> parse_port(std::string_view s) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::shared_ptr<SpdyPortForward> SpdyPortForward::create(std::shared_ptr<Transport> out, PortDialer dial,
                                                         std::string pod, std::string uid,
                                                         std::chrono::milliseconds stream_timeout) {
  std::shared_ptr<SpdyPortForward> pf(
      new SpdyPortForward(std::move(out), std::move(dial), std::move(pod), std::move(uid), stream_timeout));
  return pf;
}

SpdyPortForward::SpdyPortForward(std::shared_ptr<Transport> out, PortDialer dial, std::string pod, std::string uid,
                                 std::chrono::milliseconds stream_timeout)
    : out_(std::move(out)),
      dial_(std::move(dial)),
      pod_(std::move(pod)),
      uid_(std::move(uid)),
      stream_timeout_(stream_timeout),
      gate_(std::make_shared<InboundGate>(out_)) {
  // The session calls back only from feed(), while the caller holds a reference to this.
  spdy::SessionCallbacks cb;
  cb.on_stream = [this](std::uint32_t id, const spdy::Headers& h) { return on_stream(id, h); };
  cb.on_open = [this](std::uint32_t id) { on_open(id); };
  cb.on_data = [this](std::uint32_t id, std::string_view data) {
    if (auto c = connection_of(id, true)) c->deliver(data);
  };
  cb.on_fin = [this](std::uint32_t id) {
    if (auto c = connection_of(id, true)) c->client_eof();
  };
  cb.on_reset = [this](std::uint32_t id) {
    // kubectl resets the data stream once the pod's side is done, or when its local side
    // failed: either way that connection is over.
    if (auto c = connection_of(id, true)) c->abort();
  };
  session_ = std::make_unique<spdy::Session>(out_, std::move(cb));
}

bool SpdyPortForward::feed(std::string_view bytes) {
  if (auto st = session_->feed(bytes); !st) {
    MK_LOG(warn) << "port-forward " << pod_ << ": " << st.error().message;
    out_->close();
    return false;
  }
  return true;
}

void SpdyPortForward::close() {
  std::vector<std::shared_ptr<PodConnection>> conns;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [_, pair] : pairs_) {
      if (pair.conn) conns.push_back(pair.conn);
    }
    pairs_.clear();
    pending_.clear();
    request_of_.clear();
  }
  for (auto& c : conns) c->abort();
}

std::size_t SpdyPortForward::active_connections() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [_, pair] : pairs_) n += pair.conn ? 1 : 0;
  return n;
}

bool SpdyPortForward::on_stream(std::uint32_t id, const spdy::Headers& headers) {
  auto port_header = spdy::header_value(headers, "port");
  auto type = spdy::header_value(headers, "streamtype");
  auto reject = [&](const std::string& why) {
    MK_LOG(warn) << "port-forward " << pod_ << ": stream " << id << " refused: " << why;
    return false;
  };
  if (!port_header || port_header->empty()) return reject("\"port\" header is required");
  auto port = parse_port(*port_header);
  if (!port) return reject("unable to parse \"" + std::string(*port_header) + "\" as a port");
  if (!type || type->empty()) return reject("\"streamType\" header is required");
  if (*type != "error" && *type != "data") return reject("invalid stream type \"" + std::string(*type) + "\"");

  StreamInfo info;
  info.is_error = *type == "error";
  info.port = *port;
  auto request_id = spdy::header_value(headers, "requestid");
  if (request_id && !request_id->empty()) {
    info.request_id = std::string(*request_id);
  } else {
    // Clients before request ids: the error stream comes first and its data stream two ids
    // later, as upstream assumes.
    info.request_id = std::to_string(info.is_error ? id : id - 2);
  }
  std::lock_guard lock(mu_);
  if (closed_) return false;
  pending_[id] = std::move(info);
  return true;
}

void SpdyPortForward::on_open(std::uint32_t id) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  StreamInfo info = std::move(it->second);
  pending_.erase(it);
  expire_locked();

  auto [pit, created] = pairs_.try_emplace(info.request_id);
  Pair& pair = pit->second;
  if (created) {
    pair.created = std::chrono::steady_clock::now();
    pair.port = info.port;
  }
  std::uint32_t& slot = info.is_error ? pair.error_id : pair.data_id;
  if (slot != 0) {
    std::string msg = "error processing stream for request " + info.request_id + ": " +
                      (info.is_error ? "error" : "data") + " stream already assigned";
    MK_LOG(warn) << "port-forward " << pod_ << ": " << msg;
    if (pair.error_id && !info.is_error) session_->send_data(pair.error_id, msg);
    session_->reset(id);
    return;
  }
  slot = id;
  request_of_[id] = info.request_id;
  if (pair.error_id && pair.data_id) start_locked(info.request_id, pair);
}

void SpdyPortForward::start_locked(const std::string& request_id, Pair& pair) {
  std::weak_ptr<SpdyPortForward> weak = weak_from_this();
  PodConnection::Callbacks cb;
  std::uint16_t port = pair.port;
  cb.dial = [dial = dial_, port] { return dial(port); };
  std::uint32_t data_id = pair.data_id;
  cb.to_client = [weak, data_id](std::string_view bytes) {
    auto self = weak.lock();
    return self && self->session_->send_data(data_id, bytes);
  };
  cb.client_backlog = [out = out_] { return out->pending_bytes(); };
  cb.on_end = [weak, request_id](const PodConnection::End& end) {
    if (auto self = weak.lock()) self->finish(request_id, end);
  };
  pair.conn = PodConnection::start(std::move(cb), gate_);
}

void SpdyPortForward::finish(const std::string& request_id, const PodConnection::End& end) {
  Pair pair;
  {
    std::lock_guard lock(mu_);
    auto it = pairs_.find(request_id);
    if (it == pairs_.end()) return;
    pair = std::move(it->second);
    pairs_.erase(it);
    request_of_.erase(pair.error_id);
    request_of_.erase(pair.data_id);
  }
  if (!end.error.empty()) {
    std::string msg = "error forwarding port " + std::to_string(pair.port) + " to pod " + pod_ + ", uid " + uid_ +
                      ": " + end.error;
    MK_LOG(info) << "port-forward: " << msg;
    session_->send_data(pair.error_id, msg);
  }
  session_->send_fin(pair.data_id);
  session_->send_fin(pair.error_id);
}

void SpdyPortForward::expire_locked() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = pairs_.begin(); it != pairs_.end();) {
    Pair& p = it->second;
    if (p.conn || now - p.created < stream_timeout_) {
      ++it;
      continue;
    }
    MK_LOG(warn) << "port-forward " << pod_ << ": request " << it->first << " timed out waiting for streams";
    if (p.error_id) {
      session_->send_data(p.error_id, "timed out waiting for streams");
      session_->send_fin(p.error_id);
      request_of_.erase(p.error_id);
    }
    if (p.data_id) {
      session_->reset(p.data_id);
      request_of_.erase(p.data_id);
    }
    it = pairs_.erase(it);
  }
}

std::shared_ptr<PodConnection> SpdyPortForward::connection_of(std::uint32_t stream_id, bool data_only) {
  std::lock_guard lock(mu_);
  auto r = request_of_.find(stream_id);
  if (r == request_of_.end()) return nullptr;
  auto p = pairs_.find(r->second);
  if (p == pairs_.end()) return nullptr;
  if (data_only && p->second.data_id != stream_id) return nullptr;
  return p->second.conn;
}

}  // namespace mk::agent::kubelet::streaming
