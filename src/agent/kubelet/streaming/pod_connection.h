#pragma once
// One forwarded connection: a TCP socket into a pod on one side, a client stream (a SPDY data
// stream, a WebSocket channel) on the other. A thread of its own dials, then copies both ways
// with poll(2): bytes from the client are queued by deliver() (never blocking the caller) and
// written as the socket accepts them; bytes from the pod go to the client while its transport
// is not backed up.
//
// Ends when the pod closes the socket, on an error, or on abort(); the client's end of input
// (client_eof) only shuts down the socket's write side, as TCP half-close.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/kubelet/streaming/transport.h"
#include "common/error.h"
#include "common/unique_fd.h"

namespace mk::agent::kubelet::streaming {

// Bounds the client-to-pod bytes a session's connections hold: past `high` the transport stops
// reading from the client, and resumes once they are down to `low`.
class InboundGate {
 public:
  explicit InboundGate(std::shared_ptr<Transport> transport, std::size_t high = 4 << 20, std::size_t low = 1 << 20)
      : transport_(std::move(transport)), high_(high), low_(low) {}
  void add(std::size_t n);
  void sub(std::size_t n);

 private:
  std::shared_ptr<Transport> transport_;
  std::size_t high_, low_;
  std::mutex mu_;
  std::size_t queued_ = 0;
  bool paused_ = false;
};

class PodConnection : public std::enable_shared_from_this<PodConnection> {
 public:
  struct End {
    bool aborted = false;  // abort() ended it
    std::string error;     // dial or I/O failure; empty after a clean end
  };
  struct Callbacks {
    std::function<Result<UniqueFd>()> dial;
    // Bytes from the pod for the client; false when the client side is gone.
    std::function<bool(std::string_view)> to_client;
    // Bytes queued toward the client: reading from the pod pauses while this is large.
    std::function<std::size_t()> client_backlog;
    // Runs once, on the connection's thread, when it is over.
    std::function<void(const End&)> on_end;
  };

  static constexpr std::size_t kMaxClientBacklog = 4 << 20;

  static std::shared_ptr<PodConnection> start(Callbacks callbacks, std::shared_ptr<InboundGate> gate);
  ~PodConnection();

  // Thread-safe.
  void deliver(std::string_view data);
  void client_eof();
  void abort();

 private:
  PodConnection(Callbacks callbacks, std::shared_ptr<InboundGate> gate);
  void run();
  void wake();

  Callbacks cb_;
  std::shared_ptr<InboundGate> gate_;
  UniqueFd wake_fd_;

  std::mutex mu_;
  std::string inbound_;  // client -> pod, not yet written
  bool client_eof_ = false;
  bool aborted_ = false;
  bool ended_ = false;
};

}  // namespace mk::agent::kubelet::streaming
