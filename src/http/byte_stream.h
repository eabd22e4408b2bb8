#pragma once
// The raw, bidirectional byte stream of a connection after ResponseWriter::upgrade(): the
// bytes that follow the response head, over TLS when the server uses TLS. The WebSocket and
// SPDY framings for exec, attach and port-forward are built on top of it.
// Thread-safe; writes are queued and never block. Callbacks run on the connection's I/O
// thread and must not block.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mk::http {

namespace detail {
class ConnectionPort;
}

class ByteStream {
 public:
  using DataCallback = std::function<void(std::string_view)>;

  explicit ByteStream(std::weak_ptr<detail::ConnectionPort> port);
  // Dropping the last reference closes the stream (queued bytes are still written).
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Starts delivering received bytes (including any the client sent right after its request)
  // to `on_data`. `on_close` runs once when the connection ends for any reason: the peer
  // closed, an error, server shutdown, or close(). At once if that already happened.
  void start(DataCallback on_data, std::function<void()> on_close);

  // Queues bytes; false once the stream is closed or the queue passed
  // ServerOptions::max_pending_bytes (the connection is then dropped).
  bool write(std::string data);

  // Writes what is queued, then closes the connection (TLS close_notify, then FIN).
  void close();

  // Stops (true) or resumes (false) reading from the peer, for back-pressure.
  void pause_reading(bool paused);

  std::size_t pending_bytes() const;
  bool closed() const;

 private:
  std::weak_ptr<detail::ConnectionPort> port_;
};

}  // namespace mk::http
