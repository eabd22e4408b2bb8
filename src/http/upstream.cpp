#include "http/upstream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "http/tls_context.h"

namespace mk::http {

struct Upstream::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
  }
};

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_ip(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

Status load_pem_certs(X509_STORE* store, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++count;
  }
  BIO_free(bio);
  ERR_clear_error();
  if (count == 0) return make_error(Errc::invalid_argument, "backend CA: no PEM certificate");
  return Status::ok();
}

Result<SSL_CTX*> make_client_context(const UpstreamTarget& t) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return make_error(Errc::internal, "TLS context: " + detail::take_tls_errors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (auto s = load_pem_certs(SSL_CTX_get_cert_store(ctx), t.ca_pem); !s) {
    SSL_CTX_free(ctx);
    return s.error();
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!t.cert_pem.empty()) {
    BIO* cb = BIO_new_mem_buf(t.cert_pem.data(), static_cast<int>(t.cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(t.key_pem.data(), static_cast<int>(t.key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    bool ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
    if (cert) X509_free(cert);
    if (key) EVP_PKEY_free(key);
    if (!ok) {
      SSL_CTX_free(ctx);
      return make_error(Errc::invalid_argument, "client certificate: " + detail::take_tls_errors());
    }
  }
  return ctx;
}

Result<int> connect_tcp(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
    return make_error(Errc::unavailable, "resolve " + host + ": " + gai_strerror(rc));
  std::string last = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
      int err = 0;
      socklen_t len = sizeof err;
      if (n == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        freeaddrinfo(res);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return fd;
      }
      last = n == 0 ? "connection timed out" : std::strerror(err ? err : errno);
    } else {
      last = std::strerror(errno);
    }
    ::close(fd);
  }
  freeaddrinfo(res);
  return make_error(Errc::unavailable, "dial tcp " + host + ":" + service + ": " + last);
}

}  // namespace

std::string UpstreamResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

Upstream::~Upstream() { close(); }

void Upstream::close() {
  if (tls_ && tls_->ssl && fd_ >= 0) SSL_shutdown(tls_->ssl);
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status Upstream::wait_io(bool write, std::chrono::milliseconds wait, bool& timed_out) {
  timed_out = false;
  pollfd p{fd_, static_cast<short>(write ? POLLOUT : POLLIN), 0};
  int n;
  do {
    n = ::poll(&p, 1, static_cast<int>(wait.count()));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("poll", errno);
  if (n == 0) timed_out = true;
  return Status::ok();
}

Result<std::unique_ptr<Upstream>> Upstream::exchange(const UpstreamTarget& t, const std::string& method,
                                                     const std::string& request_target, const Headers& headers,
                                                     const std::string& body) {
  std::unique_ptr<Upstream> up(new Upstream());
  auto deadline = Clock::now() + t.timeout;
  auto left = [&] {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return d.count() > 0 ? d : std::chrono::milliseconds(0);
  };
  auto ctx = make_client_context(t);
  if (!ctx) return ctx.error();
  up->tls_ = std::make_unique<Tls>();
  up->tls_->ctx = *ctx;
  auto fd = connect_tcp(t.host, t.port, t.timeout);
  if (!fd) return fd.error();
  up->fd_ = *fd;
  SSL* ssl = SSL_new(up->tls_->ctx);
  up->tls_->ssl = ssl;
  SSL_set_fd(ssl, up->fd_);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_ip(t.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), 0);
    SSL_set_tlsext_host_name(ssl, t.host.c_str());
  }
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn);
  std::string where = t.host + ":" + std::to_string(t.port);
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(ssl);
    if (rc == 1) break;
    int err = SSL_get_error(ssl, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      long verify = SSL_get_verify_result(ssl);
      std::string why = verify != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(verify)
                                            : detail::take_tls_errors();
      return make_error(Errc::unavailable, "TLS handshake with " + where + ": " + why);
    }
    bool timed_out = false;
    if (auto s = up->wait_io(err == SSL_ERROR_WANT_WRITE, left(), timed_out); !s) return s.error();
    if (timed_out) return make_error(Errc::unavailable, "TLS handshake with " + where + ": timed out");
  }

  std::string head = method + " " + request_target + " HTTP/1.1\r\nHost: " +
                     (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" +
                     std::to_string(t.port) + "\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  head += "\r\n";
  head += body;
  std::string_view rest = head;
  while (!rest.empty()) {
    auto n = up->write_some(rest);
    if (!n) return n.error();
    rest.remove_prefix(*n);
    if (*n == 0) {
      bool timed_out = false;
      if (auto s = up->wait_io(true, left(), timed_out); !s) return s.error();
      if (timed_out) return make_error(Errc::unavailable, "send request to " + where + ": timed out");
    }
  }

  // The response head.
  size_t end;
  while ((end = up->buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (up->buffer_.size() > (64u << 10)) return make_error(Errc::unavailable, where + ": response head too large");
    auto n = up->fill(left());
    if (!n) return n.error();
    if (*n == 0 && left().count() == 0) return make_error(Errc::unavailable, where + ": no response in time");
  }
  std::string text = up->buffer_.substr(0, end);
  up->buffer_.erase(0, end + 4);
  size_t line_end = text.find("\r\n");
  std::string status_line = text.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12)
    return make_error(Errc::unavailable, where + ": not an HTTP response");
  up->response_.status = std::atoi(status_line.c_str() + 9);
  up->response_.reason = status_line.size() > 13 ? status_line.substr(13) : "";
  size_t pos = line_end == std::string::npos ? text.size() : line_end + 2;
  while (pos < text.size()) {
    size_t eol = text.find("\r\n", pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      up->response_.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = eol + 2;
  }
  const auto& r = up->response_;
  if (lower(r.header("Transfer-Encoding")).find("chunked") != std::string::npos) {
    up->framing_ = Framing::chunked;
  } else if (!r.header("Content-Length").empty()) {
    up->framing_ = Framing::length;
    up->remaining_ = static_cast<size_t>(std::strtoull(r.header("Content-Length").c_str(), nullptr, 10));
    up->body_done_ = up->remaining_ == 0;
  } else if (r.status == 101 || r.status == 204 || r.status == 304) {
    up->body_done_ = r.status != 101;
  }
  return up;
}

Result<std::size_t> Upstream::fill(std::chrono::milliseconds wait) {
  char buf[16384];
  for (;;) {
    ERR_clear_error();
    int n = SSL_read(tls_->ssl, buf, sizeof buf);
    if (n > 0) {
      buffer_.append(buf, static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    int err = SSL_get_error(tls_->ssl, n);
    if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && n == 0) || err == SSL_ERROR_SSL ||
        err == SSL_ERROR_SYSCALL)
      return make_error(Errc::unavailable, "connection to the backend closed");
    bool timed_out = false;
    if (auto s = wait_io(err == SSL_ERROR_WANT_WRITE, wait, timed_out); !s) return s.error();
    if (timed_out) return std::size_t{0};
  }
}

Result<bool> Upstream::read_body(std::string& out, std::chrono::milliseconds wait) {
  bool waited = false;
  for (;;) {
    if (body_done_) return false;
    // Decode what is buffered.
    bool progressed = false;
    if (framing_ == Framing::until_close || framing_ == Framing::length) {
      size_t take = framing_ == Framing::length ? std::min(remaining_, buffer_.size()) : buffer_.size();
      if (take > 0) {
        out.append(buffer_, 0, take);
        buffer_.erase(0, take);
        if (framing_ == Framing::length) {
          remaining_ -= take;
          if (remaining_ == 0) body_done_ = true;
        }
        progressed = true;
      }
    } else {
      for (;;) {
        if (in_chunk_) {
          if (remaining_ > 0) {
            size_t take = std::min(remaining_, buffer_.size());
            if (take == 0) break;
            out.append(buffer_, 0, take);
            buffer_.erase(0, take);
            remaining_ -= take;
            progressed = true;
            continue;
          }
          if (buffer_.size() < 2) break;
          buffer_.erase(0, 2);  // the CRLF after the chunk's data
          in_chunk_ = false;
          continue;
        }
        size_t eol = buffer_.find("\r\n");
        if (eol == std::string::npos) break;
        size_t size = static_cast<size_t>(std::strtoull(buffer_.c_str(), nullptr, 16));
        if (size == 0) {
          // The last chunk; trailers (if any) are not needed.
          body_done_ = true;
          buffer_.clear();
          return false;
        }
        buffer_.erase(0, eol + 2);
        in_chunk_ = true;
        remaining_ = size;
      }
    }
    if (body_done_) return false;
    if (progressed || waited) return true;
    auto n = fill(wait);
    if (!n) {
      if (framing_ == Framing::until_close) {
        body_done_ = true;
        return false;
      }
      return n.error();
    }
    if (*n == 0) waited = true;
  }
}

Result<std::string> Upstream::read_all(std::size_t max, std::chrono::milliseconds wait) {
  std::string out;
  auto deadline = Clock::now() + wait;
  for (;;) {
    auto more = read_body(out, std::chrono::milliseconds(100));
    if (!more) return more.error();
    if (!*more || out.size() >= max) return out;
    if (Clock::now() > deadline) return make_error(Errc::unavailable, "the backend's response did not end in time");
  }
}

std::string Upstream::take_buffered() { return std::exchange(buffer_, std::string()); }

bool Upstream::pending() const { return tls_ && tls_->ssl && SSL_pending(tls_->ssl) > 0; }

Result<std::string> Upstream::read_some() {
  std::string out;
  char buf[16384];
  for (;;) {
    ERR_clear_error();
    int n = SSL_read(tls_->ssl, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.size() >= (256u << 10)) return out;
      continue;
    }
    int err = SSL_get_error(tls_->ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return out;
    if (!out.empty()) return out;  // the close is seen on the next call
    return make_error(Errc::unavailable, "connection to the backend closed");
  }
}

Result<std::size_t> Upstream::write_some(std::string_view data) {
  if (data.empty()) return std::size_t{0};
  ERR_clear_error();
  int n = SSL_write(tls_->ssl, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1u << 20)));
  if (n > 0) return static_cast<size_t>(n);
  int err = SSL_get_error(tls_->ssl, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return std::size_t{0};
  return make_error(Errc::unavailable, "write to the backend: " + detail::take_tls_errors());
}

}  // namespace mk::http
