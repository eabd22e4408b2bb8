#pragma once
// Internal: what ResponseWriter and ByteStream call on their connection. Implemented by
// detail::Connection; kept free of Asio so that handler-facing code compiles quickly.
// Every method is thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.h"

namespace mk::http {
class ByteStream;
}

namespace mk::http::detail {

class ConnectionPort {
 public:
  using UpgradeCallback = std::function<void(std::shared_ptr<ByteStream>)>;
  using DataCallback = std::function<void(std::string_view)>;

  virtual ~ConnectionPort() = default;

  // The response to request number `exchange`; calls for another exchange are ignored.
  virtual bool respond(std::uint64_t exchange, int status, Headers headers, std::string body) = 0;
  virtual bool start_stream(std::uint64_t exchange, int status, Headers headers) = 0;
  virtual bool write_chunk(std::uint64_t exchange, std::string data) = 0;
  virtual void end_stream(std::uint64_t exchange) = 0;
  virtual void on_close(std::uint64_t exchange, std::function<void()> callback) = 0;
  virtual bool upgrade(std::uint64_t exchange, int status, Headers headers, UpgradeCallback on_upgraded) = 0;
  // The ResponseWriter is gone: answer 500 if nothing was sent, end an open stream.
  virtual void release(std::uint64_t exchange) = 0;
  virtual bool exchange_closed(std::uint64_t exchange) const = 0;
  virtual std::size_t pending_bytes() const = 0;

  // The byte stream after an upgrade.
  virtual void stream_start(DataCallback on_data, std::function<void()> on_close) = 0;
  virtual bool stream_write(std::string data) = 0;
  virtual void stream_close() = 0;
  virtual void stream_pause(bool paused) = 0;
  virtual bool stream_closed() const = 0;
};

}  // namespace mk::http::detail
