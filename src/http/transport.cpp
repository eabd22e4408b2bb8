#include "http/transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"
#include "http/tls_context.h"

namespace mk::http::detail {

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::string format_endpoint(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

bool would_block(const boost::system::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

Transport::Transport(asio::ip::tcp::socket socket, ssl_st* ssl) : socket_(std::move(socket)), ssl_(ssl) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  remote_address_ = format_endpoint(socket_);
  if (ssl_) SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
}

Transport::~Transport() {
  close();
  if (ssl_) SSL_free(ssl_);
}

asio::awaitable<bool> Transport::wait(bool writable) {
  if (closed_) co_return false;
  auto [ec] = co_await socket_.async_wait(writable ? asio::socket_base::wait_write : asio::socket_base::wait_read,
                                          asio::as_tuple(asio::use_awaitable));
  co_return !ec && !closed_;
}

asio::awaitable<bool> Transport::handshake() {
  if (!ssl_) co_return true;
  for (;;) {
    if (closed_) co_return false;
    ERR_clear_error();
    int rc = SSL_accept(ssl_);
    if (rc == 1) co_return true;
    int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!co_await wait(err == SSL_ERROR_WANT_WRITE)) co_return false;
      continue;
    }
    tls_failed_ = true;
    MK_LOG(debug) << "http: TLS handshake with " << remote_address_ << " failed: " << take_tls_errors();
    co_return false;
  }
}

asio::awaitable<IoResult> Transport::read_some(std::string& buffer) {
  // Wait for readiness before allocating, unless OpenSSL already holds decrypted bytes.
  bool need_wait = buffer.empty() && !(ssl_ && SSL_has_pending(ssl_));
  bool wait_writable = false;
  for (;;) {
    if (need_wait && buffer.empty()) std::string().swap(buffer);  // idle connections hold no buffer
    if (need_wait && !co_await wait(wait_writable)) co_return IoResult{IoStatus::failed, 0};
    if (closed_) co_return IoResult{IoStatus::failed, 0};
    need_wait = true;
    wait_writable = false;
    const std::size_t old = buffer.size();
    buffer.resize(old + kReadChunk);
    if (ssl_) {
      ERR_clear_error();
      std::size_t n = 0;
      int rc = SSL_read_ex(ssl_, buffer.data() + old, kReadChunk, &n);
      buffer.resize(old + (rc == 1 ? n : 0));
      if (rc == 1) co_return IoResult{IoStatus::ok, n};
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_ZERO_RETURN) co_return IoResult{IoStatus::eof, 0};
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        tls_failed_ = true;
        ERR_clear_error();
        co_return IoResult{IoStatus::failed, 0};
      }
      wait_writable = err == SSL_ERROR_WANT_WRITE;
    } else {
      boost::system::error_code ec;
      std::size_t n = socket_.read_some(asio::buffer(buffer.data() + old, kReadChunk), ec);
      buffer.resize(old + n);
      if (!ec && n > 0) co_return IoResult{IoStatus::ok, n};
      if (ec == asio::error::eof) co_return IoResult{IoStatus::eof, 0};
      if (ec && !would_block(ec)) co_return IoResult{IoStatus::failed, 0};
    }
  }
}

asio::awaitable<IoResult> Transport::write_some(std::string_view data) {
  for (;;) {
    if (closed_) co_return IoResult{IoStatus::failed, 0};
    bool writable = true;
    if (ssl_) {
      ERR_clear_error();
      std::size_t n = 0;
      int rc = SSL_write_ex(ssl_, data.data(), data.size(), &n);
      if (rc == 1) co_return IoResult{IoStatus::ok, n};
      int err = SSL_get_error(ssl_, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        tls_failed_ = true;
        ERR_clear_error();
        co_return IoResult{IoStatus::failed, 0};
      }
      writable = err == SSL_ERROR_WANT_WRITE;
    } else {
      boost::system::error_code ec;
      std::size_t n = socket_.write_some(asio::buffer(data.data(), data.size()), ec);
      if (!ec && n > 0) co_return IoResult{IoStatus::ok, n};
      if (ec && !would_block(ec)) co_return IoResult{IoStatus::failed, 0};
    }
    if (!co_await wait(writable)) co_return IoResult{IoStatus::failed, 0};
  }
}

void Transport::shutdown_write() {
  if (closed_ || write_shut_) return;
  write_shut_ = true;
  if (ssl_ && !tls_failed_ && SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // sends close_notify if the socket takes it; the peer's is not awaited
    ERR_clear_error();
  }
  boost::system::error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);
}

bool Transport::input_pending() const {
  if (closed_) return false;
  if (ssl_ && SSL_has_pending(ssl_)) return true;
  boost::system::error_code ec;
  return socket_.available(ec) > 0 && !ec;
}

void Transport::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
}

}  // namespace mk::http::detail
