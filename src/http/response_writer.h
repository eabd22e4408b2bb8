#pragma once
// The response side of one request. Handed to the handler as a shared_ptr; thread-safe, and
// usable after the handler returns (from a watch hub's thread, a timer, ...). Writes never
// block: bytes are queued and written by the connection's I/O thread.
//
// Exactly one of respond(), start_stream() or upgrade() takes effect; later calls return false.
// Dropping the last reference without responding answers 500; dropping it with a stream open
// ends the stream.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/request.h"

namespace mk::http {

class ByteStream;

namespace detail {
class ConnectionPort;
}

class ResponseWriter {
 public:
  using UpgradeCallback = std::function<void(std::shared_ptr<ByteStream>)>;

  // Made by the server for request number `exchange` of a connection.
  ResponseWriter(std::weak_ptr<detail::ConnectionPort> port, std::uint64_t exchange);
  ~ResponseWriter();
  ResponseWriter(const ResponseWriter&) = delete;
  ResponseWriter& operator=(const ResponseWriter&) = delete;

  // A complete response. Content-Length is set by the server (and any given Content-Length,
  // Transfer-Encoding or Connection header replaced); "Connection: close" among `headers`
  // closes the connection after the response. False when the client is gone or a response
  // was already started.
  bool respond(int status, Headers headers, std::string body);

  // Starts a chunked response (HTTP/1.0 clients: a body ended by closing the connection).
  bool start_stream(int status, Headers headers);
  // Queues one chunk (empty data is ignored). False once the client is gone, the server is
  // shutting down, the stream ended, or the connection's queue passed
  // ServerOptions::max_pending_bytes (the connection is then dropped as too slow).
  bool write_chunk(std::string data);
  // Writes the last chunk; the connection then serves the next request.
  void end_stream();

  // Called once, on an I/O thread, if the client disconnects or the server shuts down before
  // the response is complete (at once when that already happened). Not called after a
  // complete response or end_stream(). Must not block.
  void on_close(std::function<void()> callback);
  bool closed() const;

  // Bytes queued on the connection and not yet written: for back-pressure decisions.
  std::size_t pending_bytes() const;

  // Sends `status` (normally 101 Switching Protocols) with `headers` ("Connection: Upgrade" is
  // added when absent) and hands the connection over: `on_upgraded` is called on the
  // connection's I/O thread with the raw byte stream that follows the response head.
  bool upgrade(int status, Headers headers, UpgradeCallback on_upgraded);

 private:
  std::weak_ptr<detail::ConnectionPort> port_;
  std::uint64_t exchange_;
};

}  // namespace mk::http
