#include "http/connection.h"

#include <exception>
#include <tuple>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"
#include "http/byte_stream.h"
#include "http/response_writer.h"
#include "http/wire_format.h"

namespace mk::http::detail {

namespace {

// While closing, discard at most this much unread input before giving up on a clean close.
constexpr std::size_t kMaxLingerBytes = 16u << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

template <typename F, typename... Args>
void invoke_callback(const F& callback, const char* what, Args&&... args) {
  if (!callback) return;
  try {
    callback(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    MK_LOG(error) << "http: " << what << " callback threw: " << e.what();
  } catch (...) {
    MK_LOG(error) << "http: " << what << " callback threw";
  }
}

auto coroutine_done(std::weak_ptr<Connection> weak, const char* name) {
  return [weak = std::move(weak), name](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      MK_LOG(error) << "http: connection " << name << " failed: " << ex.what();
    } catch (...) {
      MK_LOG(error) << "http: connection " << name << " failed";
    }
    if (auto c = weak.lock()) c->force_close();
  };
}

}  // namespace

std::shared_ptr<Connection> Connection::create(std::shared_ptr<ServerContext> ctx, asio::ip::tcp::socket socket,
                                               Strand strand, ssl_st* ssl) {
  std::shared_ptr<Connection> c(new Connection(std::move(ctx), std::move(socket), std::move(strand), ssl));
  c->ctx_->registry.add(c.get(), c);
  return c;
}

Connection::Connection(std::shared_ptr<ServerContext> ctx, asio::ip::tcp::socket socket, Strand strand, ssl_st* ssl)
    : ctx_(std::move(ctx)),
      strand_(std::move(strand)),
      transport_(std::move(socket), ssl),
      reader_wake_(strand_),
      writer_wake_(strand_),
      watchdog_(strand_) {}

Connection::~Connection() { ctx_->registry.remove(this); }

void Connection::start() {
  accepted_at_ = Clock::now();
  idle_since_ = accepted_at_;
  auto self = shared_from_this();
  asio::co_spawn(strand_, read_loop(self), coroutine_done(self, "reader"));
  asio::co_spawn(strand_, write_loop(self), coroutine_done(self, "writer"));
  asio::co_spawn(strand_, watchdog_loop(self), coroutine_done(self, "watchdog"));
  if (ctx_->stopping) begin_drain();
}

void Connection::begin_drain() {
  asio::post(strand_, [self = shared_from_this()] { self->drain(); });
}

void Connection::force_close() {
  asio::post(strand_, [self = shared_from_this()] { self->close_now(); });
}

// ---------------------------------------------------------------------------------------------
// Coroutines

asio::awaitable<void> Connection::sleep_until_woken(asio::steady_timer& timer) {
  timer.expires_at(Clock::time_point::max());
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> Connection::read_loop(std::shared_ptr<Connection>) {
  refresh_deadline();
  bool ok = co_await transport_.handshake();
  if (phase_ == Phase::closed) co_return;
  if (!ok) {
    close_now();
    co_return;
  }
  peer_ = peer_identity(transport_.ssl());
  phase_ = Phase::http;
  idle_since_ = Clock::now();
  for (;;) {
    Step step = process_input();
    if (step == Step::stop || phase_ == Phase::closed) co_return;
    if (step == Step::again) continue;
    if (step == Step::wait) {
      refresh_deadline();
      co_await sleep_until_woken(reader_wake_);
      continue;
    }
    refresh_deadline();
    IoResult r = co_await transport_.read_some(inbuf_);
    if (phase_ == Phase::closed) co_return;
    if (r.status != IoStatus::ok) {
      on_peer_eof();
      co_return;
    }
    last_read_ = Clock::now();
  }
}

asio::awaitable<void> Connection::write_loop(std::shared_ptr<Connection>) {
  for (;;) {
    std::string batch;
    bool finish = false;
    bool linger = false;
    {
      std::lock_guard lock(mu_);
      if (closed_) co_return;
      if (!out_.empty()) {
        batch.swap(out_);
        inflight_ = batch.size();
      } else if (close_after_flush_) {
        finish = true;
        linger = linger_;
      }
    }
    if (batch.empty()) {
      if (finish) {
        finish_writing(linger);
        co_return;
      }
      co_await sleep_until_woken(writer_wake_);
      continue;
    }
    write_in_progress_ = true;
    write_progress_ = Clock::now();
    refresh_deadline();
    std::string_view rest(batch);
    bool ok = true;
    while (!rest.empty()) {
      IoResult r = co_await transport_.write_some(rest);
      if (r.status != IoStatus::ok || phase_ == Phase::closed) {
        ok = false;
        break;
      }
      rest.remove_prefix(r.bytes);
      write_progress_ = Clock::now();
      std::lock_guard lock(mu_);
      inflight_ = rest.size();
    }
    write_in_progress_ = false;
    if (!ok) {
      close_now();
      co_return;
    }
    idle_since_ = Clock::now();
    refresh_deadline();
  }
}

asio::awaitable<void> Connection::watchdog_loop(std::shared_ptr<Connection>) {
  for (;;) {
    if (phase_ == Phase::closed) co_return;
    timer_expiry_ = deadline_;
    watchdog_.expires_at(deadline_);
    co_await watchdog_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (phase_ == Phase::closed) co_return;
    refresh_deadline();
    if (Clock::now() >= deadline_) {
      const char* what = phase_ == Phase::handshake ? "handshake"
                         : lingering_               ? "linger"
                         : write_in_progress_       ? "write"
                                                    : "read";
      MK_LOG(debug) << "http: closing " << transport_.remote_address() << ": " << what << " timeout";
      close_now();
      co_return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The state machine (strand only)

Connection::Step Connection::process_input() {
  if (phase_ == Phase::closed) return Step::stop;
  bool closing;
  bool draining;
  {
    std::lock_guard lock(mu_);
    closing = close_after_flush_;
    draining = draining_;
  }
  if (lingering_ || closing) {
    // The response that closes the connection is queued: unread input is discarded so the
    // client sees that response rather than a reset. Shutting down, the wait for the client
    // to close ends as soon as nothing unread is left.
    lingered_bytes_ += inbuf_.size();
    std::string().swap(inbuf_);
    parser_.reset();
    if (lingered_bytes_ > kMaxLingerBytes || (lingering_ && draining && !transport_.input_pending())) {
      close_now();
      return Step::stop;
    }
    return Step::read;
  }
  if (phase_ == Phase::upgraded) return process_upgraded_input();
  return process_http_input();
}

Connection::Step Connection::process_http_input() {
  Exchange ex;
  {
    std::lock_guard lock(mu_);
    ex = ex_;
  }
  if (ex != Exchange::idle) {
    // A response is in progress. Read only to notice a disconnect (keeping what arrives: a
    // pipelined request or the first bytes after an upgrade); parse once the response is done.
    return inbuf_.empty() ? Step::read : Step::wait;
  }
  if (inbuf_.empty()) {
    if (inbuf_.capacity() > 64) std::string().swap(inbuf_);
    return Step::read;
  }
  if (!parser_) {
    parser_ = std::make_unique<RequestParser>(ctx_->options.max_header_bytes, ctx_->options.max_body_bytes);
    request_started_ = Clock::now();
    continue_sent_ = false;
  }
  std::size_t used = parser_->feed(inbuf_);
  inbuf_.erase(0, used);
  switch (parser_->state()) {
    case RequestParser::State::error:
      send_error(parser_->error_status(), parser_->error_message());
      parser_.reset();
      return Step::again;
    case RequestParser::State::done:
      dispatch();
      return Step::again;
    case RequestParser::State::need_more:
      break;
  }
  if (parser_->header_done() && !continue_sent_ && parser_->expects_continue()) {
    continue_sent_ = true;
    bool post;
    {
      std::lock_guard lock(mu_);
      out_ += kContinue;
      post = mark_notify_locked();
    }
    if (post) post_notify();
  }
  if (inbuf_.empty()) std::string().swap(inbuf_);
  return Step::read;
}

Connection::Step Connection::process_upgraded_input() {
  std::shared_ptr<DataCallback> on_data;
  {
    std::lock_guard lock(mu_);
    if (!stream_started_ || read_paused_) return Step::wait;
    on_data = stream_on_data_;
  }
  if (inbuf_.empty()) return Step::read;
  std::string data;
  data.swap(inbuf_);
  if (on_data) invoke_callback(*on_data, "byte stream data", std::string_view(data));
  return Step::again;
}

void Connection::dispatch() {
  bool keep = parser_->keep_alive();
  Request req = parser_->take();
  parser_.reset();
  served_any_ = true;
  req.peer_common_name = peer_.common_name;
  req.peer_organizations = peer_.organizations;
  req.remote_address = transport_.remote_address();
  req.tls = transport_.tls();
  std::uint64_t id;
  std::function<void()> stale;
  {
    std::lock_guard lock(mu_);
    id = ++exchange_;
    ex_ = Exchange::awaiting;
    keep_alive_ = keep && !draining_;
    head_request_ = req.method == "HEAD";
    http10_ = req.version < 11;
    chunked_ = false;
    close_after_stream_ = false;
    stale = std::move(on_close_);
    on_close_ = nullptr;
  }
  idle_since_ = Clock::now();
  refresh_deadline();
  // Held across the call so that a throwing handler is answered here, not by the writer.
  auto writer = std::make_shared<ResponseWriter>(std::weak_ptr<ConnectionPort>(weak_from_this()), id);
  try {
    ctx_->handler(std::move(req), writer);
  } catch (const std::exception& e) {
    MK_LOG(error) << "http: handler threw: " << e.what();
    ErrorResponse body = error_response(500, "internal error");
    respond(id, 500, {{"Content-Type", body.content_type}}, std::move(body.body));
  } catch (...) {
    MK_LOG(error) << "http: handler threw";
    ErrorResponse body = error_response(500, "internal error");
    respond(id, 500, {{"Content-Type", body.content_type}}, std::move(body.body));
  }
}

ErrorResponse Connection::error_response(int status, std::string_view message) const {
  if (ctx_->options.error_body) {
    try {
      return ctx_->options.error_body(status, message);
    } catch (...) {
      MK_LOG(error) << "http: error_body callback threw";
    }
  }
  return default_error_body(status, message);
}

void Connection::send_error(int status, std::string_view message) {
  MK_LOG(debug) << "http: " << transport_.remote_address() << ": " << status << " " << message;
  ErrorResponse e = error_response(status, message);
  Headers headers;
  if (!e.content_type.empty()) headers.emplace_back("Content-Type", e.content_type);
  bool post;
  {
    std::lock_guard lock(mu_);
    out_ += format_head(status, headers, Framing::content_length, e.body.size(), ConnectionHeader::close);
    out_ += e.body;
    close_after_flush_ = true;
    linger_ = true;
    post = mark_notify_locked();
  }
  if (post) post_notify();
}

void Connection::on_peer_eof() {
  // Between requests the client may close its side and still read what is queued.
  bool graceful = false;
  bool post = false;
  if (phase_ == Phase::http && !lingering_) {
    std::lock_guard lock(mu_);
    if (ex_ == Exchange::idle) {
      graceful = true;
      close_after_flush_ = true;
      linger_ = false;
      post = mark_notify_locked();
    }
  }
  if (!graceful) {
    close_now();
    return;
  }
  parser_.reset();
  std::string().swap(inbuf_);
  if (post) post_notify();
}

void Connection::finish_writing(bool linger) {
  if (phase_ == Phase::closed) return;
  transport_.shutdown_write();
  bool draining;
  {
    std::lock_guard lock(mu_);
    draining = draining_;
  }
  // Lingering protects a response from a reset caused by unread input; shutting down, it is
  // only worth it while input is actually waiting.
  if (!linger || (draining && !transport_.input_pending())) {
    close_now();
    return;
  }
  lingering_ = true;
  linger_deadline_ = Clock::now() + ctx_->options.linger_timeout;
  reader_wake_.cancel();
  refresh_deadline();
}

void Connection::on_state_changed() {
  if (phase_ == Phase::closed) return;
  UpgradeCallback handover;
  {
    std::lock_guard lock(mu_);
    if (ex_ == Exchange::upgraded && on_upgraded_ && phase_ == Phase::http && !close_after_flush_) {
      handover = std::move(on_upgraded_);
      on_upgraded_ = nullptr;
    }
  }
  if (handover) {
    phase_ = Phase::upgraded;
    auto stream = std::make_shared<ByteStream>(std::weak_ptr<ConnectionPort>(weak_from_this()));
    invoke_callback(handover, "upgrade", std::move(stream));
  }
  reader_wake_.cancel();
  writer_wake_.cancel();
  refresh_deadline();
}

void Connection::refresh_deadline() {
  if (phase_ == Phase::closed) return;
  const auto& opt = ctx_->options;
  Clock::time_point d = Clock::time_point::max();
  if (phase_ == Phase::handshake) {
    d = accepted_at_ + opt.header_timeout;
  } else if (lingering_) {
    d = linger_deadline_;
  } else if (write_in_progress_) {
    d = write_progress_ + opt.write_timeout;
  } else if (phase_ == Phase::http) {
    bool waiting_for_request;
    {
      std::lock_guard lock(mu_);
      // Queued response bytes: the writer sets the deadline (idle counts from the last write).
      waiting_for_request = ex_ == Exchange::idle && !close_after_flush_ && out_.empty();
    }
    if (waiting_for_request) {
      if (parser_ && parser_->header_done()) {
        d = last_read_ + opt.read_timeout;
      } else if (parser_) {
        d = request_started_ + opt.header_timeout;
      } else if (!inbuf_.empty()) {
        d = Clock::now() + opt.header_timeout;
      } else {
        // Before the first request a silent client counts as a slow one.
        d = idle_since_ + (served_any_ ? opt.idle_timeout : opt.header_timeout);
      }
    }
  }
  deadline_ = d;
  if (d < timer_expiry_) {
    timer_expiry_ = d;
    watchdog_.expires_at(d);  // wakes the watchdog, which waits again until the new deadline
  }
}

void Connection::close_now() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  std::function<void()> on_close;
  std::function<void()> stale_close;
  std::function<void()> stream_on_close;
  std::shared_ptr<DataCallback> on_data;
  UpgradeCallback on_upgraded;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    if (ex_ == Exchange::awaiting || ex_ == Exchange::streaming) {
      on_close = std::move(on_close_);
      aborted_exchange_ = exchange_;
    } else {
      stale_close = std::move(on_close_);
    }
    on_close_ = nullptr;
    stream_on_close = std::move(stream_on_close_);
    stream_on_close_ = nullptr;
    on_data = std::move(stream_on_data_);
    on_upgraded = std::move(on_upgraded_);
    on_upgraded_ = nullptr;
    std::string().swap(out_);
    inflight_ = 0;
  }
  if (!write_in_progress_) transport_.shutdown_write();
  transport_.close();
  watchdog_.cancel();
  reader_wake_.cancel();
  writer_wake_.cancel();
  parser_.reset();
  std::string().swap(inbuf_);
  invoke_callback(on_close, "on_close");
  invoke_callback(stream_on_close, "byte stream on_close");
}

void Connection::drain() {
  if (phase_ == Phase::closed) return;
  if (phase_ == Phase::handshake || (lingering_ && !transport_.input_pending())) {
    close_now();
    return;
  }
  std::function<void()> on_close;
  std::function<void()> stream_on_close;
  std::shared_ptr<DataCallback> on_data;
  UpgradeCallback on_upgraded;
  {
    std::lock_guard lock(mu_);
    draining_ = true;
    keep_alive_ = false;
    switch (ex_) {
      case Exchange::idle:
        // Idle: close now. A request being received is answered first (with Connection: close).
        if (!parser_ && inbuf_.empty() && !close_after_flush_) {
          close_after_flush_ = true;
          linger_ = false;
        }
        break;
      case Exchange::awaiting:
        break;  // the response goes out with Connection: close
      case Exchange::streaming:
        if (chunked_ && !head_request_) out_ += kLastChunk;
        aborted_exchange_ = exchange_;
        ex_ = Exchange::idle;
        on_close = std::move(on_close_);
        on_close_ = nullptr;
        close_after_flush_ = true;
        linger_ = true;
        break;
      case Exchange::upgraded:
        stream_on_close = std::move(stream_on_close_);
        stream_on_close_ = nullptr;
        on_data = std::move(stream_on_data_);
        on_upgraded = std::move(on_upgraded_);
        on_upgraded_ = nullptr;
        close_after_flush_ = true;
        linger_ = true;
        break;
    }
  }
  invoke_callback(on_close, "on_close");
  invoke_callback(stream_on_close, "byte stream on_close");
  on_state_changed();
}

// ---------------------------------------------------------------------------------------------
// ConnectionPort (any thread)

bool Connection::mark_notify_locked() {
  if (closed_ || notify_posted_) return false;
  notify_posted_ = true;
  return true;
}

void Connection::post_notify() {
  asio::post(strand_, [self = shared_from_this()] {
    {
      std::lock_guard lock(self->mu_);
      self->notify_posted_ = false;
    }
    self->on_state_changed();
  });
}

bool Connection::over_limit_locked() const { return out_.size() + inflight_ > ctx_->options.max_pending_bytes; }

void Connection::abort_too_slow() {
  MK_LOG(info) << "http: dropping " << transport_.remote_address() << ": more than "
               << ctx_->options.max_pending_bytes << " bytes queued";
  force_close();
}

bool Connection::respond(std::uint64_t exchange, int status, Headers headers, std::string body) {
  if (status < 200 || status > 999) {
    MK_LOG(error) << "http: respond() with status " << status << " (use upgrade() for 101)";
    return false;
  }
  std::function<void()> stale;
  bool post;
  {
    std::lock_guard lock(mu_);
    if (closed_ || exchange != exchange_ || ex_ != Exchange::awaiting) return false;
    bool close = !keep_alive_ || draining_ || asks_close(headers);
    bool has_body = status_has_body(status);
    ConnectionHeader connection =
        close ? ConnectionHeader::close : (http10_ ? ConnectionHeader::keep_alive : ConnectionHeader::none);
    out_ += format_head(status, headers, has_body ? Framing::content_length : Framing::none, body.size(), connection);
    if (has_body && !head_request_) out_ += body;
    ex_ = Exchange::idle;
    stale = std::move(on_close_);
    on_close_ = nullptr;
    if (close) {
      close_after_flush_ = true;
      linger_ = true;
    }
    post = mark_notify_locked();
  }
  if (post) post_notify();
  return true;
}

bool Connection::start_stream(std::uint64_t exchange, int status, Headers headers) {
  if (!status_has_body(status)) return false;
  std::function<void()> on_close;
  bool post;
  bool started = false;
  {
    std::lock_guard lock(mu_);
    if (closed_ || exchange != exchange_ || ex_ != Exchange::awaiting) return false;
    chunked_ = !http10_;
    bool close = !keep_alive_ || draining_ || asks_close(headers) || !chunked_;
    close_after_stream_ = close;
    out_ += format_head(status, headers, chunked_ ? Framing::chunked : Framing::until_close, 0,
                        close ? ConnectionHeader::close : ConnectionHeader::none);
    if (draining_) {
      // Shutting down: the stream ends at once.
      if (chunked_ && !head_request_) out_ += kLastChunk;
      ex_ = Exchange::idle;
      aborted_exchange_ = exchange_;
      on_close = std::move(on_close_);
      on_close_ = nullptr;
      close_after_flush_ = true;
      linger_ = true;
      post = mark_notify_locked();
    } else {
      ex_ = Exchange::streaming;
      started = true;
      post = mark_notify_locked();
    }
  }
  if (post) post_notify();
  invoke_callback(on_close, "on_close");
  return started;
}

bool Connection::write_chunk(std::uint64_t exchange, std::string data) {
  bool too_slow = false;
  bool post = false;
  {
    std::lock_guard lock(mu_);
    if (closed_ || exchange != exchange_ || ex_ != Exchange::streaming) return false;
    if (data.empty() || head_request_) return true;
    if (chunked_) {
      append_chunk(out_, data);
    } else {
      out_ += data;
    }
    too_slow = over_limit_locked();
    if (!too_slow) post = mark_notify_locked();
  }
  if (too_slow) {
    abort_too_slow();
    return false;
  }
  if (post) post_notify();
  return true;
}

void Connection::end_stream(std::uint64_t exchange) {
  std::function<void()> stale;
  bool post;
  {
    std::lock_guard lock(mu_);
    if (closed_ || exchange != exchange_ || ex_ != Exchange::streaming) return;
    if (chunked_ && !head_request_) out_ += kLastChunk;
    ex_ = Exchange::idle;
    stale = std::move(on_close_);
    on_close_ = nullptr;
    if (close_after_stream_) {
      close_after_flush_ = true;
      linger_ = true;
    }
    post = mark_notify_locked();
  }
  if (post) post_notify();
}

void Connection::on_close(std::uint64_t exchange, std::function<void()> callback) {
  std::function<void()> stale;
  bool call_now = false;
  {
    std::lock_guard lock(mu_);
    if (exchange != 0 && exchange == aborted_exchange_) {
      call_now = true;
    } else if (!closed_ && exchange == exchange_ && (ex_ == Exchange::awaiting || ex_ == Exchange::streaming)) {
      stale = std::move(on_close_);
      on_close_ = std::move(callback);
    }
  }
  if (call_now) invoke_callback(callback, "on_close");
}

bool Connection::upgrade(std::uint64_t exchange, int status, Headers headers, UpgradeCallback on_upgraded) {
  if (!on_upgraded) return false;
  std::function<void()> stale;
  bool post;
  {
    std::lock_guard lock(mu_);
    if (closed_ || draining_ || exchange != exchange_ || ex_ != Exchange::awaiting) return false;
    out_ += format_head(status, headers, Framing::none, 0, ConnectionHeader::upgrade);
    ex_ = Exchange::upgraded;
    stale = std::move(on_close_);
    on_close_ = nullptr;
    on_upgraded_ = std::move(on_upgraded);
    post = mark_notify_locked();
  }
  if (post) post_notify();
  return true;
}

void Connection::release(std::uint64_t exchange) {
  Exchange ex;
  {
    std::lock_guard lock(mu_);
    if (closed_ || exchange != exchange_) return;
    ex = ex_;
  }
  if (ex == Exchange::awaiting) {
    MK_LOG(warn) << "http: a handler dropped its response writer without responding";
    ErrorResponse body = error_response(500, "the server did not produce a response");
    respond(exchange, 500, {{"Content-Type", body.content_type}}, std::move(body.body));
  } else if (ex == Exchange::streaming) {
    end_stream(exchange);
  }
}

bool Connection::exchange_closed(std::uint64_t exchange) const {
  std::lock_guard lock(mu_);
  return closed_ || exchange != exchange_ || exchange == aborted_exchange_ ||
         (ex_ != Exchange::awaiting && ex_ != Exchange::streaming);
}

std::size_t Connection::pending_bytes() const {
  std::lock_guard lock(mu_);
  return out_.size() + inflight_;
}

void Connection::stream_start(DataCallback on_data, std::function<void()> on_close) {
  bool call_now = false;
  bool post = false;
  {
    std::lock_guard lock(mu_);
    if (closed_ || draining_) {
      call_now = true;
    } else if (ex_ == Exchange::upgraded && !stream_started_) {
      stream_on_data_ = std::make_shared<DataCallback>(std::move(on_data));
      stream_on_close_ = std::move(on_close);
      on_close = nullptr;
      stream_started_ = true;
      post = mark_notify_locked();
    }
  }
  if (post) post_notify();
  if (call_now) invoke_callback(on_close, "byte stream on_close");
}

bool Connection::stream_write(std::string data) {
  bool too_slow = false;
  bool post = false;
  {
    std::lock_guard lock(mu_);
    if (closed_ || close_after_flush_ || ex_ != Exchange::upgraded) return false;
    if (data.empty()) return true;
    out_ += data;
    too_slow = over_limit_locked();
    if (!too_slow) post = mark_notify_locked();
  }
  if (too_slow) {
    abort_too_slow();
    return false;
  }
  if (post) post_notify();
  return true;
}

void Connection::stream_close() {
  bool post;
  {
    std::lock_guard lock(mu_);
    if (closed_ || close_after_flush_ || ex_ != Exchange::upgraded) return;
    close_after_flush_ = true;
    linger_ = true;
    post = mark_notify_locked();
  }
  if (post) post_notify();
}

void Connection::stream_pause(bool paused) {
  bool post;
  {
    std::lock_guard lock(mu_);
    read_paused_ = paused;
    post = mark_notify_locked();
  }
  if (post) post_notify();
}

bool Connection::stream_closed() const {
  std::lock_guard lock(mu_);
  return closed_ || close_after_flush_;
}

}  // namespace mk::http::detail
