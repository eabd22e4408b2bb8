#pragma once
// Internal: one client connection. A single state machine on the connection's strand, run by
// three coroutines: the reader (TLS handshake, request parsing and dispatch, upgraded-stream
// input, lingering close), the writer (flushes the outgoing queue) and the watchdog (the one
// deadline that applies in the current state). Other threads only touch the state guarded by
// mu_ (through ConnectionPort) and post a notification onto the strand.
//
// Phases: handshake -> http (exchanges: idle -> awaiting -> [streaming] -> idle ...)
//                   -> upgraded (after a 101) ; any phase -> closed.
// Closing gracefully: close_after_flush_ -> writer flushes -> close_notify + FIN -> the reader
// discards input until the peer closes or linger_timeout -> closed.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "http/connection_port.h"
#include "http/connection_registry.h"
#include "http/request_parser.h"
#include "http/server_options.h"
#include "http/tls_context.h"
#include "http/transport.h"

namespace mk::http::detail {

// Shared by the server and its connections; the io_context is destroyed first, after the
// connections (which hold this context) are gone.
struct ServerContext {
  ServerContext(ServerOptions opts, Handler h, std::shared_ptr<ssl_ctx_st> tls_ctx)
      : options(std::move(opts)), handler(std::move(h)), io(options.threads), tls_(std::move(tls_ctx)) {}

  // The TLS context new connections use (null for plain HTTP). Replaced when certificates are
  // renewed; a connection keeps the context it started with (SSL_new takes a reference).
  std::shared_ptr<ssl_ctx_st> tls() const {
    std::lock_guard lock(tls_mu_);
    return tls_;
  }
  void set_tls(std::shared_ptr<ssl_ctx_st> next) {
    std::lock_guard lock(tls_mu_);
    tls_ = std::move(next);
  }

  ServerOptions options;
  Handler handler;
  ConnectionRegistry registry;
  std::atomic<bool> stopping{false};
  asio::io_context io;

 private:
  mutable std::mutex tls_mu_;
  std::shared_ptr<ssl_ctx_st> tls_;
};

class Connection final : public ConnectionPort, public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;

  // `socket` uses `strand` as its executor; takes ownership of `ssl` (null for plain HTTP).
  static std::shared_ptr<Connection> create(std::shared_ptr<ServerContext> ctx, asio::ip::tcp::socket socket,
                                            Strand strand, ssl_st* ssl);
  ~Connection() override;

  void start();
  // Thread-safe: graceful shutdown of this connection / immediate close.
  void begin_drain();
  void force_close();

  // ConnectionPort
  bool respond(std::uint64_t exchange, int status, Headers headers, std::string body) override;
  bool start_stream(std::uint64_t exchange, int status, Headers headers) override;
  bool write_chunk(std::uint64_t exchange, std::string data) override;
  void end_stream(std::uint64_t exchange) override;
  void on_close(std::uint64_t exchange, std::function<void()> callback) override;
  bool upgrade(std::uint64_t exchange, int status, Headers headers, UpgradeCallback on_upgraded) override;
  void release(std::uint64_t exchange) override;
  bool exchange_closed(std::uint64_t exchange) const override;
  std::size_t pending_bytes() const override;
  void stream_start(DataCallback on_data, std::function<void()> on_close) override;
  bool stream_write(std::string data) override;
  void stream_close() override;
  void stream_pause(bool paused) override;
  bool stream_closed() const override;

 private:
  enum class Phase { handshake, http, upgraded, closed };
  enum class Exchange { idle, awaiting, streaming, upgraded };
  enum class Step { read, wait, again, stop };

  Connection(std::shared_ptr<ServerContext> ctx, asio::ip::tcp::socket socket, Strand strand, ssl_st* ssl);

  // Coroutines (each holds `self` so the connection outlives it).
  asio::awaitable<void> read_loop(std::shared_ptr<Connection> self);
  asio::awaitable<void> write_loop(std::shared_ptr<Connection> self);
  asio::awaitable<void> watchdog_loop(std::shared_ptr<Connection> self);
  asio::awaitable<void> sleep_until_woken(asio::steady_timer& timer);

  // Strand-only steps of the state machine.
  Step process_input();
  Step process_http_input();
  Step process_upgraded_input();
  void dispatch();
  void send_error(int status, std::string_view message);
  void on_peer_eof();
  ErrorResponse error_response(int status, std::string_view message) const;
  void finish_writing(bool linger);
  void on_state_changed();
  void refresh_deadline();
  void close_now();
  void drain();

  // Called with mu_ held: whether the caller must post a notification after unlocking.
  bool mark_notify_locked();
  void post_notify();
  // Queue overflow check with mu_ held; true when the connection must be dropped.
  bool over_limit_locked() const;
  void abort_too_slow();

  // Immutable after construction.
  std::shared_ptr<ServerContext> ctx_;
  Strand strand_;
  Transport transport_;
  asio::steady_timer reader_wake_;
  asio::steady_timer writer_wake_;
  asio::steady_timer watchdog_;

  // Strand-only state.
  Phase phase_ = Phase::handshake;
  std::string inbuf_;
  std::unique_ptr<RequestParser> parser_;
  bool continue_sent_ = false;
  bool served_any_ = false;
  bool write_in_progress_ = false;
  bool lingering_ = false;
  std::size_t lingered_bytes_ = 0;
  PeerIdentity peer_;
  Clock::time_point accepted_at_;
  Clock::time_point request_started_;
  Clock::time_point last_read_;
  Clock::time_point idle_since_;
  Clock::time_point write_progress_;
  Clock::time_point linger_deadline_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point timer_expiry_ = Clock::time_point::max();

  // Shared with other threads.
  mutable std::mutex mu_;
  bool closed_ = false;
  bool notify_posted_ = false;
  bool draining_ = false;
  std::uint64_t exchange_ = 0;
  std::uint64_t aborted_exchange_ = 0;  // ended by a disconnect or shutdown, not by its handler
  Exchange ex_ = Exchange::idle;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool http10_ = false;
  bool chunked_ = false;
  bool close_after_stream_ = false;
  bool close_after_flush_ = false;
  bool linger_ = false;
  std::string out_;
  std::size_t inflight_ = 0;
  std::function<void()> on_close_;
  UpgradeCallback on_upgraded_;
  std::shared_ptr<DataCallback> stream_on_data_;  // shared: cheap to copy out for a call
  std::function<void()> stream_on_close_;
  bool stream_started_ = false;
  bool read_paused_ = false;
};

}  // namespace mk::http::detail
