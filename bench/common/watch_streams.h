#pragma once
// Many HTTPS watch streams on one API path, one TLS connection each, read by a few threads with
// epoll so the client side stays cheap with 1,000 streams. Each complete watch event line is
// handed over with the time its bytes were read, before any parsing.

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "chunked_line_reader.h"
#include "common/error.h"
#include "tls_material.h"

namespace mk::bench {

// Called on a reader thread; received_ns is steady_clock time in nanoseconds.
using WatchEventSink = std::function<void(size_t stream, std::string_view line, int64_t received_ns)>;

class WatchStreams {
 public:
  // Opens `count` streams GETting `path` (TLS handshakes one after another on this thread).
  static Result<std::unique_ptr<WatchStreams>> open(const TlsMaterial& tls, int port, const std::string& path,
                                                    size_t count, size_t threads, WatchEventSink sink);
  ~WatchStreams();
  WatchStreams(const WatchStreams&) = delete;
  WatchStreams& operator=(const WatchStreams&) = delete;

  // The first stream failure (a bad status, a stream the server closed), if any.
  Status health() const;

 private:
  struct Stream {
    size_t index = 0;
    int fd = -1;
    SSL* ssl = nullptr;
    ChunkedLineReader reader;
  };

  explicit WatchStreams(WatchEventSink sink) : sink_(std::move(sink)) {}
  Status connect_stream(SSL_CTX* ctx, int port, const std::string& request, size_t index);
  void run_loop(int epoll_fd);
  void read_stream(int epoll_fd, Stream& stream);
  void record_error(const Error& error);

  WatchEventSink sink_;
  SslCtxPtr ctx_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<int> epoll_fds_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  mutable std::mutex error_mu_;
  std::optional<Error> error_;
};

}  // namespace mk::bench
