#include "http/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>

namespace mk::http::test {

namespace {

using Clock = std::chrono::steady_clock;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

ClientTls::ClientTls(const std::string& ca_pem, const std::string& cert_pem, const std::string& key_pem)
    : ctx_(SSL_CTX_new(TLS_client_method())) {
  if (!ctx_) throw std::runtime_error("SSL_CTX_new");
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!ca) throw std::runtime_error("client TLS: bad CA");
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
  X509_free(ca);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx_), "127.0.0.1");
  SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!cert_pem.empty()) {
    BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    if (!cert || !key || SSL_CTX_use_certificate(ctx_, cert) != 1 || SSL_CTX_use_PrivateKey(ctx_, key) != 1) {
      throw std::runtime_error("client TLS: bad client certificate");
    }
    X509_free(cert);
    EVP_PKEY_free(key);
  }
}

ClientTls::~ClientTls() { SSL_CTX_free(ctx_); }

std::string Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequal(k, name)) return v;
  }
  return {};
}

std::unique_ptr<Conn> Conn::open(int port, const ClientTls* tls, std::string* error) {
  auto fail = [&](std::string why) -> std::unique_ptr<Conn> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    return fail(std::string("connect: ") + std::strerror(err));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::unique_ptr<Conn> conn(new Conn(fd, nullptr));
  if (!tls) return conn;
  conn->ssl_ = SSL_new(tls->get());
  SSL_set_fd(conn->ssl_, fd);
  auto deadline = Clock::now() + 10s;
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(conn->ssl_);
    if (rc == 1) break;
    int err = SSL_get_error(conn->ssl_, rc);
    if ((err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) &&
        conn->wait_fd(err == SSL_ERROR_WANT_WRITE, deadline)) {
      continue;
    }
    char buf[256] = "handshake failed";
    if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, buf, sizeof buf);
    return fail(buf);
  }
  return conn;
}

Conn::~Conn() { close(); }

void Conn::close() {
  if (ssl_) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool Conn::has_peer_certificate() const { return ssl_ && SSL_get0_peer_certificate(ssl_) != nullptr; }

bool Conn::wait_fd(bool for_write, Clock::time_point deadline) {
  pollfd p{fd_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  for (;;) {
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool Conn::send(std::string_view data, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!data.empty()) {
    if (fd_ < 0) return false;
    bool want_write = true;
    if (ssl_) {
      ERR_clear_error();
      std::size_t n = 0;
      int rc = SSL_write_ex(ssl_, data.data(), data.size(), &n);
      if (rc == 1) {
        data.remove_prefix(n);
        continue;
      }
      int err = SSL_get_error(ssl_, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return false;
      want_write = err == SSL_ERROR_WANT_WRITE;
    } else {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    }
    if (!wait_fd(want_write, deadline)) return false;
  }
  return true;
}

Conn::Read Conn::read_more(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char chunk[16384];
  for (;;) {
    if (fd_ < 0) return Read::error;
    bool want_write = false;
    if (ssl_) {
      ERR_clear_error();
      std::size_t n = 0;
      int rc = SSL_read_ex(ssl_, chunk, sizeof chunk, &n);
      if (rc == 1) {
        buf_.append(chunk, n);
        return Read::data;
      }
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_ZERO_RETURN) return Read::eof;
      if (err == SSL_ERROR_SYSCALL) return Read::eof;  // EOF without close_notify, or reset
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return Read::error;
      want_write = err == SSL_ERROR_WANT_WRITE;
    } else {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buf_.append(chunk, static_cast<std::size_t>(n));
        return Read::data;
      }
      if (n == 0) return Read::eof;
      if (errno == ECONNRESET) return Read::eof;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return Read::error;
    }
    if (!wait_fd(want_write, deadline)) return Read::timeout;
  }
}

bool Conn::fill_until(std::string_view needle, Clock::time_point deadline) {
  while (buf_.find(needle) == std::string::npos) {
    if (read_more(std::chrono::milliseconds(remaining_ms(deadline))) != Read::data) return false;
  }
  return true;
}

bool Conn::fill_to(std::size_t n, Clock::time_point deadline) {
  while (buf_.size() < n) {
    if (read_more(std::chrono::milliseconds(remaining_ms(deadline))) != Read::data) return false;
  }
  return true;
}

std::optional<Response> Conn::read_head(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  if (!fill_until("\r\n\r\n", deadline)) return std::nullopt;
  std::size_t end = buf_.find("\r\n\r\n");
  std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  Response r;
  std::size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
  r.status = std::stoi(status_line.substr(9, 3));
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(pos, next - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = next + 2;
  }
  return r;
}

std::optional<std::string> Conn::read_chunk(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  if (!fill_until("\r\n", deadline)) return std::nullopt;
  std::size_t eol = buf_.find("\r\n");
  std::size_t size = std::stoul(buf_.substr(0, eol), nullptr, 16);
  if (size == 0) {
    // Last chunk: "0\r\n" then (no trailers) "\r\n".
    if (!fill_until("\r\n\r\n", deadline) && !fill_to(eol + 4, deadline)) return std::nullopt;
    buf_.erase(0, eol + 4);
    return std::string();
  }
  if (!fill_to(eol + 2 + size + 2, deadline)) return std::nullopt;
  std::string data = buf_.substr(eol + 2, size);
  buf_.erase(0, eol + 2 + size + 2);
  return data;
}

std::optional<std::string> Conn::read_exact(std::size_t n, std::chrono::milliseconds timeout) {
  if (!fill_to(n, Clock::now() + timeout)) return std::nullopt;
  std::string out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

std::optional<Response> Conn::read_response(std::chrono::milliseconds timeout, bool head_request) {
  auto deadline = Clock::now() + timeout;
  auto r = read_head(timeout);
  if (!r) return std::nullopt;
  if (head_request || r->status < 200 || r->status == 204 || r->status == 304) return r;
  std::string length = r->header("Content-Length");
  if (!length.empty()) {
    auto body = read_exact(std::stoul(length), std::chrono::milliseconds(remaining_ms(deadline)));
    if (!body) return std::nullopt;
    r->body = std::move(*body);
    return r;
  }
  if (iequal(r->header("Transfer-Encoding"), "chunked")) {
    for (;;) {
      auto chunk = read_chunk(std::chrono::milliseconds(remaining_ms(deadline)));
      if (!chunk) return std::nullopt;
      if (chunk->empty()) return r;
      r->body += *chunk;
    }
  }
  for (;;) {  // until the connection closes
    Read rr = read_more(std::chrono::milliseconds(remaining_ms(deadline)));
    if (rr == Read::eof) break;
    if (rr != Read::data) return std::nullopt;
  }
  r->body = std::move(buf_);
  buf_.clear();
  return r;
}

bool Conn::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    Read r = read_more(std::chrono::milliseconds(remaining_ms(deadline)));
    if (r == Read::eof || r == Read::error) return true;
    if (r == Read::timeout) return false;
    buf_.clear();
  }
}

std::string get_request(std::string_view target, std::string_view extra_headers) {
  std::string out = "GET ";
  out += target;
  out += " HTTP/1.1\r\nHost: test\r\n";
  out += extra_headers;
  out += "\r\n";
  return out;
}

}  // namespace mk::http::test
