#include "http/server.h"

#include <openssl/ssl.h>

#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"
#include "common/sigpipe.h"
#include "http/connection.h"
#include "http/tls_context.h"

namespace mk::http {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::Connection;
using detail::ServerContext;
using detail::Strand;

namespace {

// How long connections get after force-closing before the threads stop regardless.
constexpr std::chrono::seconds kForceCloseWait{2};

}  // namespace

struct Server::Impl {
  explicit Impl(std::shared_ptr<ServerContext> c)
      : ctx(std::move(c)), acceptor_strand(asio::make_strand(ctx->io)), acceptor(acceptor_strand),
        work(asio::make_work_guard(ctx->io)) {}

  asio::awaitable<void> accept_loop();
  bool on_io_thread() const;
  void stop_threads();

  std::shared_ptr<ServerContext> ctx;
  Strand acceptor_strand;
  tcp::acceptor acceptor;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::vector<std::thread> threads;
  std::vector<std::thread::id> thread_ids;
  int port = 0;
  std::mutex shutdown_mu;
  bool shut_down = false;
};

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    Strand strand = asio::make_strand(ctx->io);
    tcp::socket socket(strand);
    auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
    if (ctx->stopping || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: wait a little instead of spinning.
      MK_LOG(warn) << "http: accept: " << ec.message();
      asio::steady_timer pause(acceptor_strand, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    SSL* ssl = nullptr;
    if (auto tls = ctx->tls()) {
      ssl = SSL_new(tls.get());
      if (!ssl) {
        MK_LOG(error) << "http: SSL_new: " << detail::take_tls_errors();
        continue;
      }
    }
    Connection::create(ctx, std::move(socket), strand, ssl)->start();
  }
}

bool Server::Impl::on_io_thread() const {
  auto self = std::this_thread::get_id();
  for (auto id : thread_ids) {
    if (id == self) return true;
  }
  return false;
}

void Server::Impl::stop_threads() {
  work.reset();
  ctx->io.stop();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  threads.clear();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  if (impl_->on_io_thread()) {
    // Cannot join the thread we run on: stop, and let the threads finish on their own (they
    // keep the context alive).
    MK_LOG(error) << "http: server destroyed on one of its I/O threads";
    impl_->ctx->stopping = true;
    impl_->ctx->io.stop();
    for (auto& t : impl_->threads) t.detach();
    return;
  }
  shutdown(std::chrono::milliseconds(0));
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Handler handler) {
  if (!handler) return make_error(Errc::invalid_argument, "start HTTP server: no handler");
  if (options.threads < 1 || options.threads > 256) {
    return make_error(Errc::invalid_argument, "start HTTP server: threads must be between 1 and 256");
  }
  if (options.port < 0 || options.port > 65535) {
    return make_error(Errc::invalid_argument, "start HTTP server: invalid port " + std::to_string(options.port));
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) return make_error(Errc::invalid_argument, "start HTTP server: invalid bind address " + options.bind_address);

  std::shared_ptr<ssl_ctx_st> tls;
  if (!options.plain_http) {
    auto made = detail::make_server_tls_context(options.cert_pem, options.key_pem, options.client_ca_pem);
    if (!made) return made.error().wrap("start HTTPS server");
    tls = std::move(*made);
  }
  ignore_sigpipe();

  auto ctx = std::make_shared<ServerContext>(std::move(options), std::move(handler), std::move(tls));
  auto impl = std::make_unique<Impl>(ctx);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(ctx->options.port));
  std::string where = ctx->options.bind_address + ":" + std::to_string(ctx->options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error(Errc::io, "listen on " + where + ": " + ec.message());
  impl->port = impl->acceptor.local_endpoint(ec).port();

  Impl* raw = impl.get();
  asio::co_spawn(impl->acceptor_strand, raw->accept_loop(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      MK_LOG(error) << "http: accept loop failed: " << ex.what();
    }
  });
  for (int i = 0; i < ctx->options.threads; ++i) {
    impl->threads.emplace_back([ctx] {
      for (;;) {
        try {
          ctx->io.run();
          return;
        } catch (const std::exception& e) {
          MK_LOG(error) << "http: I/O thread: " << e.what();
        }
      }
    });
    impl->thread_ids.push_back(impl->threads.back().get_id());
  }
  MK_LOG(info) << "http: serving " << (ctx->tls() ? "HTTPS" : "HTTP") << " on " << ctx->options.bind_address << ":"
               << impl->port << " with " << ctx->options.threads << " I/O threads";
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

Status Server::reload_tls(const std::string& cert_pem, const std::string& key_pem, const std::string& client_ca_pem) {
  if (!impl_->ctx->tls()) return make_error(Errc::invalid_argument, "reload TLS: the server serves plain HTTP");
  auto made = detail::make_server_tls_context(cert_pem, key_pem, client_ca_pem);
  if (!made) return made.error().wrap("reload TLS");
  impl_->ctx->set_tls(std::move(*made));
  return Status::ok();
}

std::size_t Server::connection_count() const { return impl_->ctx->registry.size(); }

std::size_t Server::accepted_count() const { return impl_->ctx->registry.accepted(); }

void Server::shutdown(std::chrono::milliseconds grace) {
  Impl& impl = *impl_;
  auto& ctx = *impl.ctx;
  const bool from_io_thread = impl.on_io_thread();
  std::unique_lock lock(impl.shutdown_mu, std::defer_lock);
  if (!from_io_thread) lock.lock();
  if (impl.shut_down) return;
  const auto deadline = std::chrono::steady_clock::now() + grace;

  // New connections that slip in see `stopping` when they start and drain themselves.
  if (!ctx.stopping.exchange(true)) {
    asio::post(impl.acceptor_strand, [&impl] {
      boost::system::error_code ec;
      impl.acceptor.close(ec);
    });
    for (auto& c : ctx.registry.snapshot()) c->begin_drain();
  }
  if (from_io_thread) return;  // the rest happens in the destructor

  bool clean = ctx.registry.wait_empty(deadline);
  if (!clean) {
    MK_LOG(info) << "http: shutdown grace over; closing " << ctx.registry.size() << " connections";
    for (auto& c : ctx.registry.snapshot()) c->force_close();
    clean = ctx.registry.wait_empty(std::chrono::steady_clock::now() + kForceCloseWait);
  }
  if (!clean) MK_LOG(warn) << "http: " << ctx.registry.size() << " connections still open at shutdown";
  impl.stop_threads();
  {
    boost::system::error_code ec;
    impl.acceptor.close(ec);
  }
  impl.shut_down = true;
  MK_LOG(info) << "http: server on port " << impl.port << " stopped";
}

}  // namespace mk::http
