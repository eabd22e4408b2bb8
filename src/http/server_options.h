#pragma once
// Configuration of the HTTP server and the handler signature.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/response_writer.h"
#include "http/status_body.h"

namespace mk::http {

// Called on an I/O thread for every request; must not block. Respond through the writer now
// or later from any thread.
using Handler = std::function<void(Request&&, std::shared_ptr<ResponseWriter>)>;

// The body of a response the server layer writes itself (status 400, 413, 431 or 500).
using ErrorBodyFn = std::function<ErrorResponse(int status, std::string_view message)>;

struct ServerOptions {
  std::string bind_address = "127.0.0.1";  // an IPv4 or IPv6 address
  int port = 0;                            // 0: any free port (see Server::port())

  // TLS (1.2 and later) unless plain_http. cert_pem holds the serving certificate followed by
  // any intermediates; key_pem its private key.
  bool plain_http = false;
  std::string cert_pem;
  std::string key_pem;
  // When set, clients are asked for a certificate (optional: token-only clients still
  // connect); one that is offered must verify against these CA certificates.
  std::string client_ca_pem;

  int threads = 2;  // I/O threads shared by all connections

  std::size_t max_body_bytes = 3u << 20;    // larger request bodies get 413
  std::size_t max_header_bytes = 1u << 20;  // larger request heads get 431
  // Bytes a connection may have queued for writing; past it the client counts as too slow
  // and is disconnected.
  std::size_t max_pending_bytes = 64u << 20;

  // The TLS handshake; the first request's head from the handshake to its end; any later
  // request head from its first byte to its end.
  std::chrono::milliseconds header_timeout{10'000};
  // A request body must make progress at least this often.
  std::chrono::milliseconds read_timeout{60'000};
  // A keep-alive connection waiting for its next request.
  std::chrono::milliseconds idle_timeout{120'000};
  // A write making no progress (the client stopped reading).
  std::chrono::milliseconds write_timeout{60'000};
  // After "Connection: close" or an error response: how long to drain the client's unread
  // bytes before closing, so it sees the response rather than a reset.
  std::chrono::milliseconds linger_timeout{2'000};

  // Error bodies; the default is a Kubernetes Status (default_error_body).
  ErrorBodyFn error_body;
};

}  // namespace mk::http
