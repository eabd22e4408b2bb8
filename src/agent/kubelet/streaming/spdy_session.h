#pragma once
// The server side of a SPDY/3.1 session: the peer opens streams, this side replies to, writes
// on and closes them. Frames are parsed from the bytes given to feed() (one reader thread);
// frames are written to a Transport from any thread, one at a time so that the shared header
// compressor and the byte order stay consistent.
//
// Handled: SYN_STREAM (reply or refuse), data and FIN both ways, RST_STREAM both ways, PING
// (the peer's are echoed), GOAWAY (no new streams afterwards), HEADERS (only its FIN counts),
// SETTINGS and WINDOW_UPDATE (accepted and ignored: moby/spdystream, which kubectl uses, sends
// and honours no flow control, so back-pressure is left to the transport).

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/kubelet/streaming/spdy_frame.h"
#include "agent/kubelet/streaming/spdy_zlib.h"
#include "agent/kubelet/streaming/transport.h"
#include "common/error.h"

namespace mk::agent::kubelet::streaming::spdy {

struct SessionCallbacks {
  // A stream the peer opened: true accepts it (a SYN_REPLY goes out), false refuses it
  // (RST_STREAM REFUSED_STREAM).
  std::function<bool(std::uint32_t id, const Headers& headers)> on_stream;
  // An accepted stream's SYN_REPLY has gone out: data may be written on it now.
  std::function<void(std::uint32_t id)> on_open;
  std::function<void(std::uint32_t id, std::string_view data)> on_data;
  // The peer will send no more on the stream (FIN).
  std::function<void(std::uint32_t id)> on_fin;
  // The peer reset the stream; it is gone.
  std::function<void(std::uint32_t id)> on_reset;
};

class Session {
 public:
  // Largest data payload written in one frame.
  static constexpr std::size_t kMaxDataChunk = 32 * 1024;

  Session(std::shared_ptr<Transport> out, SessionCallbacks callbacks);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Parses and handles the peer's bytes. On a protocol error a GOAWAY is written and the error
  // returned: the caller must then close the transport.
  Status feed(std::string_view bytes);

  // Thread-safe. False when the stream is not open for writing (unknown, reset, or FIN sent).
  bool send_data(std::uint32_t id, std::string_view data, bool fin = false);
  bool send_fin(std::uint32_t id) { return send_data(id, {}, true); }
  bool reset(std::uint32_t id, RstStatus status = RstStatus::cancel);
  void go_away(GoAwayStatus status = GoAwayStatus::ok);

  std::size_t open_streams() const;
  bool gone_away() const;

 private:
  struct StreamState {
    bool local_fin = false;
    bool remote_fin = false;
  };

  Status handle(Frame& frame);
  Status handle_syn_stream(Frame& frame);
  void remote_finished(std::uint32_t id);
  // With out_mu_ held: forget a stream once both sides finished.
  void maybe_forget_locked(std::uint32_t id);
  bool write_locked(std::string bytes);

  std::shared_ptr<Transport> out_;
  SessionCallbacks cb_;

  // Reader-thread only.
  FrameReader reader_;
  HeaderDecompressor inflater_;
  std::atomic<std::uint32_t> last_peer_stream_{0};  // read by go_away() on any thread

  // Shared; out_mu_ also orders the writes.
  mutable std::mutex out_mu_;
  HeaderCompressor deflater_;
  std::map<std::uint32_t, StreamState> streams_;
  bool goaway_sent_ = false;
  bool goaway_received_ = false;
};

}  // namespace mk::agent::kubelet::streaming::spdy
