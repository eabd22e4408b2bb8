#pragma once
// The client side of one HTTP/1.1 exchange over TLS with a backend, for proxying (the API server
// to a kubelet): a request, its response head, and then either the response body (chunked or
// not, decoded) or, after 101 Switching Protocols, the raw bytes both ways. Blocking calls with
// timeouts on a non-blocking socket, for use from one thread at a time.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/error.h"
#include "http/request.h"

namespace mk::http {

struct UpstreamTarget {
  std::string host;  // an IP address (or a DNS name)
  int port = 0;
  std::string ca_pem;               // the backend's certificate must verify against it, for `host`
  std::string cert_pem, key_pem;    // the client certificate presented, when set
  std::chrono::milliseconds timeout{10'000};  // connect, handshake, and the response head
};

struct UpstreamResponse {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string header(std::string_view name) const;
};

class Upstream {
 public:
  // Connects, verifies the backend, sends the request and reads the response head. Errc::
  // unavailable when the backend cannot be reached or its certificate does not verify.
  static Result<std::unique_ptr<Upstream>> exchange(const UpstreamTarget& target, const std::string& method,
                                                    const std::string& request_target, const Headers& headers,
                                                    const std::string& body = {});
  ~Upstream();
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  const UpstreamResponse& response() const { return response_; }

  // Appends body bytes that arrive within `wait` to `out`. Returns false once the body is
  // complete (or the backend closed), true while more may follow.
  Result<bool> read_body(std::string& out, std::chrono::milliseconds wait);
  // Reads the whole body (error responses), up to `max` bytes.
  Result<std::string> read_all(std::size_t max, std::chrono::milliseconds wait);

  // After 101: bytes that came with the response head, and then the raw stream.
  std::string take_buffered();
  // The socket, to poll for readability (and writability when write_some wants it).
  int fd() const { return fd_; }
  // Non-blocking: bytes read now (empty when none are ready); Errc::unavailable once closed.
  Result<std::string> read_some();
  // Non-blocking: how many bytes of `data` were written (0 when the socket is full).
  Result<std::size_t> write_some(std::string_view data);
  // Whether decrypted bytes are waiting in the TLS layer (poll would not show them).
  bool pending() const;
  void close();

 private:
  Upstream() = default;
  Status wait_io(bool write, std::chrono::milliseconds wait, bool& timed_out);
  Result<std::size_t> fill(std::chrono::milliseconds wait);  // reads more into buffer_

  struct Tls;
  std::unique_ptr<Tls> tls_;
  int fd_ = -1;
  UpstreamResponse response_;
  std::string buffer_;  // received, not yet consumed
  // Body framing.
  enum class Framing { length, chunked, until_close } framing_ = Framing::until_close;
  std::size_t remaining_ = 0;  // of the content length, or of the current chunk
  bool in_chunk_ = false;
  bool body_done_ = false;
};

}  // namespace mk::http
