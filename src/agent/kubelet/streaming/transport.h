#pragma once
// The outgoing side of a bidirectional byte stream that a streaming protocol (SPDY, the
// port-forward WebSocket channels) writes to: an upgraded HTTP connection, or a WebSocket
// tunnel inside one. Input is pushed by whoever owns the connection. Thread-safe.

#include <cstddef>
#include <string>

namespace mk::agent::kubelet::streaming {

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues bytes without blocking; false once the transport is closed.
  virtual bool write(std::string bytes) = 0;
  // Bytes queued and not yet written: writers hold back while this is large.
  virtual std::size_t pending_bytes() const = 0;
  // Stops (true) or resumes (false) reading from the peer, for back-pressure.
  virtual void pause_reading(bool paused) = 0;
  // Writes what is queued, then closes.
  virtual void close() = 0;
};

}  // namespace mk::agent::kubelet::streaming
