#pragma once
// Internal: one accepted TCP socket, plain or TLS. OpenSSL works directly on the
// non-blocking socket and Asio only reports readiness, so an idle connection holds no read
// buffer (OpenSSL's buffers are released too). Use from the connection's strand only; one
// reader and one writer may be suspended at the same time.

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

struct ssl_st;

namespace mk::http::detail {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;

enum class IoStatus { ok, eof, failed };
struct IoResult {
  IoStatus status = IoStatus::ok;
  std::size_t bytes = 0;
};

class Transport {
 public:
  // Takes ownership of `ssl` (nullptr for plain HTTP).
  Transport(asio::ip::tcp::socket socket, ssl_st* ssl);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // The TLS server handshake; true at once for plain sockets.
  asio::awaitable<bool> handshake();
  // Appends what arrives (at least one byte unless eof/failed) to `buffer`.
  asio::awaitable<IoResult> read_some(std::string& buffer);
  // Writes a non-empty prefix of `data`.
  asio::awaitable<IoResult> write_some(std::string_view data);

  // Best effort, without waiting: TLS close_notify, then FIN. Reading stays possible.
  void shutdown_write();
  // Whether received bytes are waiting to be read (in the socket or in OpenSSL).
  bool input_pending() const;
  // Closes the socket; suspended reads and writes return `failed`.
  void close();

  bool is_open() const { return !closed_; }
  bool tls() const { return ssl_ != nullptr; }
  ssl_st* ssl() const { return ssl_; }
  const std::string& remote_address() const { return remote_address_; }

 private:
  asio::awaitable<bool> wait(bool writable);

  asio::ip::tcp::socket socket_;
  ssl_st* ssl_;
  std::string remote_address_;
  bool closed_ = false;
  bool tls_failed_ = false;  // no close_notify after a fatal TLS error
  bool write_shut_ = false;
};

}  // namespace mk::http::detail
