#include "watch_streams.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "interrupt.h"

namespace mk::bench {
namespace {

constexpr int kPollTimeoutMs = 50;  // how often a reader notices stop_
constexpr int kHandshakeTimeoutSeconds = 10;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string ssl_error(const std::string& what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "connection closed";
  if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return what + ": " + buf;
}

}  // namespace

Result<std::unique_ptr<WatchStreams>> WatchStreams::open(const TlsMaterial& tls, int port, const std::string& path,
                                                         size_t count, size_t threads, WatchEventSink sink) {
  std::unique_ptr<WatchStreams> group(new WatchStreams(std::move(sink)));
  auto ctx = tls.ssl_ctx();
  if (!ctx) return ctx.error();
  group->ctx_ = std::move(*ctx);
  if (threads == 0) threads = 1;
  for (size_t t = 0; t < threads; ++t) {
    int efd = epoll_create1(EPOLL_CLOEXEC);
    if (efd < 0) return errno_error("epoll_create1", errno);
    group->epoll_fds_.push_back(efd);
  }
  // Readers run while the rest connect, so early streams are drained from the start.
  for (int efd : group->epoll_fds_) {
    group->threads_.emplace_back([g = group.get(), efd] { g->run_loop(efd); });
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nAccept: application/json\r\nUser-Agent: minikube-bench\r\n\r\n";
  for (size_t i = 0; i < count; ++i) {
    if (interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (Status s = group->connect_stream(group->ctx_.get(), port, request, i); !s) {
      return s.error().wrap("watch " + std::to_string(i) + " of " + std::to_string(count));
    }
  }
  return group;
}

Status WatchStreams::connect_stream(SSL_CTX* ctx, int port, const std::string& request, size_t index) {
  auto owned = std::make_unique<Stream>();
  Stream& s = *owned;
  s.index = index;
  s.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  streams_.push_back(std::move(owned));  // closed by the destructor from here on
  if (s.fd < 0) return errno_error("socket", errno);
  // The handshake and the request are written blocking; these bound them in time.
  timeval tv{kHandshakeTimeoutSeconds, 0};
  setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int one = 1;
  setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return errno_error("connect 127.0.0.1:" + std::to_string(port), errno);
  }
  s.ssl = SSL_new(ctx);
  if (s.ssl == nullptr) return make_error(Errc::internal, ssl_error("SSL_new"));
  SSL_set_fd(s.ssl, s.fd);
  // The serving certificate must name the address we dialled.
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s.ssl), "127.0.0.1");
  if (SSL_connect(s.ssl) != 1) return make_error(Errc::unavailable, ssl_error("TLS handshake"));
  size_t written = 0;
  if (SSL_write_ex(s.ssl, request.data(), request.size(), &written) != 1 || written != request.size()) {
    return make_error(Errc::unavailable, ssl_error("send watch request"));
  }
  if (fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK) != 0) return errno_error("fcntl", errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &s;
  if (epoll_ctl(epoll_fds_[index % epoll_fds_.size()], EPOLL_CTL_ADD, s.fd, &ev) != 0) {
    return errno_error("epoll_ctl", errno);
  }
  return Status::ok();
}

void WatchStreams::run_loop(int epoll_fd) {
  epoll_event events[64];
  while (!stop_.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epoll_fd, events, 64, kPollTimeoutMs);
    if (n < 0 && errno != EINTR) {
      record_error(errno_error("epoll_wait", errno));
      return;
    }
    for (int i = 0; i < n; ++i) read_stream(epoll_fd, *static_cast<Stream*>(events[i].data.ptr));
  }
}

void WatchStreams::read_stream(int epoll_fd, Stream& stream) {
  char buf[16384];
  int64_t received_ns = 0;
  // Level-triggered: read until OpenSSL wants more bytes from the socket, so nothing is left
  // decrypted in its buffer without a wake-up to come for it.
  for (;;) {
    size_t got = 0;
    int rc = SSL_read_ex(stream.ssl, buf, sizeof(buf), &got);
    Status status;
    if (rc == 1) {
      if (received_ns == 0) received_ns = now_ns();
      status = stream.reader.feed(std::string_view(buf, got), [&](std::string_view line) {
        sink_(stream.index, line, received_ns);
        return Status::ok();
      });
    } else {
      int err = SSL_get_error(stream.ssl, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
      status = make_error(Errc::unavailable, err == SSL_ERROR_ZERO_RETURN ? "watch stream closed by the server"
                                                                          : ssl_error("read watch stream"));
    }
    if (!status) {
      record_error(status.error().wrap("watch " + std::to_string(stream.index)));
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, stream.fd, nullptr);
      return;
    }
  }
}

void WatchStreams::record_error(const Error& error) {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (!error_) error_ = error;
}

Status WatchStreams::health() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (error_) return *error_;
  return Status::ok();
}

WatchStreams::~WatchStreams() {
  stop_.store(true);
  for (auto& t : threads_) t.join();
  for (auto& s : streams_) {
    if (s->ssl != nullptr) SSL_free(s->ssl);
    if (s->fd >= 0) close(s->fd);
  }
  for (int efd : epoll_fds_) close(efd);
}

}  // namespace mk::bench
