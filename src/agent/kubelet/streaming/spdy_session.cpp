#include "agent/kubelet/streaming/spdy_session.h"

#include <utility>

namespace mk::agent::kubelet::streaming::spdy {

Session::Session(std::shared_ptr<Transport> out, SessionCallbacks callbacks)
    : out_(std::move(out)), cb_(std::move(callbacks)) {}

Status Session::feed(std::string_view bytes) {
  reader_.append(bytes);
  for (;;) {
    auto frame = reader_.next();
    Status st = frame ? Status::ok() : Status(frame.error());
    if (st && !frame->has_value()) return Status::ok();
    if (st) st = handle(**frame);
    if (!st) {
      go_away(GoAwayStatus::protocol_error);
      return st;
    }
  }
}

Status Session::handle(Frame& f) {
  switch (f.type) {
    case FrameType::syn_stream:
      return handle_syn_stream(f);
    case FrameType::syn_reply:
    case FrameType::headers: {
      // Decoded even when unused: the decompressor's state spans every header block.
      auto block = inflater_.decompress(f.payload);
      if (!block) return block.error();
      if (auto headers = decode_header_block(*block); !headers) return headers.error();
      if (f.type == FrameType::headers && (f.flags & kFlagFin)) remote_finished(f.stream_id);
      return Status::ok();
    }
    case FrameType::data: {
      bool known;
      {
        std::lock_guard lock(out_mu_);
        auto it = streams_.find(f.stream_id);
        known = it != streams_.end() && !it->second.remote_fin;
      }
      // Data on streams that are gone or finished is dropped, as spdystream does.
      if (!known) return Status::ok();
      if (!f.payload.empty() && cb_.on_data) cb_.on_data(f.stream_id, f.payload);
      if (f.flags & kFlagFin) remote_finished(f.stream_id);
      return Status::ok();
    }
    case FrameType::rst_stream: {
      bool known;
      {
        std::lock_guard lock(out_mu_);
        known = streams_.erase(f.stream_id) > 0;
      }
      if (known && cb_.on_reset) cb_.on_reset(f.stream_id);
      return Status::ok();
    }
    case FrameType::ping: {
      // Pings the peer started carry odd ids (it is the client); ours would be even.
      if (f.value % 2 == 1) {
        std::lock_guard lock(out_mu_);
        write_locked(encode_ping(f.value));
      }
      return Status::ok();
    }
    case FrameType::goaway: {
      std::lock_guard lock(out_mu_);
      goaway_received_ = true;
      return Status::ok();
    }
    case FrameType::settings:
    case FrameType::window_update:
      return Status::ok();
  }
  return Status::ok();
}

Status Session::handle_syn_stream(Frame& f) {
  auto block = inflater_.decompress(f.payload);
  if (!block) return block.error();
  auto headers = decode_header_block(*block);
  if (!headers) return headers.error();

  auto refuse = [&](RstStatus status) {
    std::lock_guard lock(out_mu_);
    write_locked(encode_rst_stream(f.stream_id, status));
    return Status::ok();
  };
  // The client's streams have odd, increasing ids.
  if (f.stream_id % 2 == 0 || f.stream_id <= last_peer_stream_) return refuse(RstStatus::protocol_error);
  last_peer_stream_ = f.stream_id;
  {
    std::lock_guard lock(out_mu_);
    if (goaway_received_ || goaway_sent_) {
      write_locked(encode_rst_stream(f.stream_id, RstStatus::refused_stream));
      return Status::ok();
    }
  }
  if (!cb_.on_stream || !cb_.on_stream(f.stream_id, *headers)) return refuse(RstStatus::refused_stream);
  {
    std::lock_guard lock(out_mu_);
    auto reply = deflater_.compress(encode_header_block({}));
    if (!reply) return reply.error();
    StreamState& s = streams_[f.stream_id];
    s.remote_fin = (f.flags & (kFlagFin | kFlagUnidirectional)) != 0;
    write_locked(encode_syn_reply(f.stream_id, 0, *reply));
  }
  if (cb_.on_open) cb_.on_open(f.stream_id);
  if (f.flags & kFlagFin) {
    if (cb_.on_fin) cb_.on_fin(f.stream_id);
    std::lock_guard lock(out_mu_);
    maybe_forget_locked(f.stream_id);
  }
  return Status::ok();
}

void Session::remote_finished(std::uint32_t id) {
  {
    std::lock_guard lock(out_mu_);
    auto it = streams_.find(id);
    if (it == streams_.end() || it->second.remote_fin) return;
    it->second.remote_fin = true;
  }
  if (cb_.on_fin) cb_.on_fin(id);
  std::lock_guard lock(out_mu_);
  maybe_forget_locked(id);
}

void Session::maybe_forget_locked(std::uint32_t id) {
  auto it = streams_.find(id);
  if (it != streams_.end() && it->second.local_fin && it->second.remote_fin) streams_.erase(it);
}

bool Session::write_locked(std::string bytes) { return out_->write(std::move(bytes)); }

bool Session::send_data(std::uint32_t id, std::string_view data, bool fin) {
  std::lock_guard lock(out_mu_);
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.local_fin) return false;
  bool ok = true;
  do {
    std::string_view chunk = data.substr(0, kMaxDataChunk);
    data.remove_prefix(chunk.size());
    ok = write_locked(encode_data(id, chunk, fin && data.empty()));
  } while (ok && !data.empty());
  if (fin) {
    it->second.local_fin = true;
    maybe_forget_locked(id);
  }
  return ok;
}

bool Session::reset(std::uint32_t id, RstStatus status) {
  std::lock_guard lock(out_mu_);
  if (streams_.erase(id) == 0) return false;
  return write_locked(encode_rst_stream(id, status));
}

void Session::go_away(GoAwayStatus status) {
  std::lock_guard lock(out_mu_);
  if (goaway_sent_) return;
  goaway_sent_ = true;
  write_locked(encode_goaway(last_peer_stream_, status));
}

std::size_t Session::open_streams() const {
  std::lock_guard lock(out_mu_);
  return streams_.size();
}

bool Session::gone_away() const {
  std::lock_guard lock(out_mu_);
  return goaway_received_ || goaway_sent_;
}

}  // namespace mk::agent::kubelet::streaming::spdy
