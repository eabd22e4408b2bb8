#pragma once
// The HTTPS (or plain HTTP) server the API server sits on: HTTP/1.1 with keep-alive, chunked
// streaming responses and protocol upgrades, on a small fixed pool of I/O threads, so a
// thousand open watches cost no threads.
//
//   auto server = mk::http::Server::start(options, [](mk::http::Request&& req, auto writer) {
//     writer->respond(200, {{"Content-Type", "application/json"}}, "{}");
//   });
//   if (!server) return server.error();
//   ... (*server)->port() ...
//   (*server)->shutdown(std::chrono::seconds(5));

#include <chrono>
#include <cstddef>
#include <memory>

#include "common/error.h"
#include "http/server_options.h"

namespace mk::http {

class Server {
 public:
  // Binds, listens and starts the I/O threads. Fails with invalid_argument for unusable
  // options or PEM data, io when the address cannot be bound.
  static Result<std::unique_ptr<Server>> start(ServerOptions options, Handler handler);

  ~Server();  // shutdown(0) unless already shut down
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;

  // Stops accepting; closes idle connections; lets requests in progress finish their response
  // (sent with "Connection: close"); ends open streams with their last chunk and closes
  // upgraded connections, calling their on_close callbacks. Connections still open after
  // `grace` are closed. Returns when every I/O thread has stopped. Blocking: call it from
  // outside the I/O threads (from one it only starts the shutdown).
  void shutdown(std::chrono::milliseconds grace);

  // New connections use this certificate, key and client CA from now on (renewed
  // certificates); open connections keep theirs.
  Status reload_tls(const std::string& cert_pem, const std::string& key_pem, const std::string& client_ca_pem);

  // Open connections now, and accepted since start.
  std::size_t connection_count() const;
  std::size_t accepted_count() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mk::http
