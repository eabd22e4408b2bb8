#pragma once
// A small blocking HTTP/1.1 client for the server tests, over plain TCP or TLS, with every wait
// bounded by a timeout. It speaks raw bytes so tests can send malformed, pipelined, slow or
// oversized requests and watch chunk boundaries and connection closes.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct ssl_ctx_st;
struct ssl_st;

namespace mk::http::test {

using namespace std::chrono_literals;

// Client-side TLS settings: trust `ca_pem` (and check the server certificate for 127.0.0.1);
// present `cert_pem`/`key_pem` when set.
class ClientTls {
 public:
  ClientTls(const std::string& ca_pem, const std::string& cert_pem = {}, const std::string& key_pem = {});
  ~ClientTls();
  ClientTls(const ClientTls&) = delete;
  ClientTls& operator=(const ClientTls&) = delete;
  ssl_ctx_st* get() const { return ctx_; }

 private:
  ssl_ctx_st* ctx_;
};

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(std::string_view name) const;
};

class Conn {
 public:
  enum class Read { data, eof, timeout, error };

  // Connects to 127.0.0.1:port; TLS when `tls` is given. Null on failure (`error` says why).
  static std::unique_ptr<Conn> open(int port, const ClientTls* tls = nullptr, std::string* error = nullptr);
  ~Conn();

  bool send(std::string_view data, std::chrono::milliseconds timeout = 5s);
  // Appends what arrives within `timeout` to buffer().
  Read read_more(std::chrono::milliseconds timeout);
  std::string& buffer() { return buf_; }

  // A whole response: the head, then a body by Content-Length, chunked coding, or until EOF
  // (when `until_eof`). nullopt on timeout or a malformed response.
  std::optional<Response> read_response(std::chrono::milliseconds timeout = 5s, bool head_request = false);
  // Only the head (the body stays in buffer()).
  std::optional<Response> read_head(std::chrono::milliseconds timeout = 5s);
  // The next chunk's data of a chunked body; "" for the last chunk (its trailer consumed).
  std::optional<std::string> read_chunk(std::chrono::milliseconds timeout = 5s);
  // Reads exactly n bytes (from buffer() first).
  std::optional<std::string> read_exact(std::size_t n, std::chrono::milliseconds timeout = 5s);
  // Reads and discards until the server closes; false on timeout.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);

  void close();  // abrupt: no close_notify
  int fd() const { return fd_; }
  bool has_peer_certificate() const;

 private:
  Conn(int fd, ssl_st* ssl) : fd_(fd), ssl_(ssl) {}
  bool wait_fd(bool for_write, std::chrono::steady_clock::time_point deadline);
  bool fill_until(std::string_view needle, std::chrono::steady_clock::time_point deadline);
  bool fill_to(std::size_t n, std::chrono::steady_clock::time_point deadline);

  int fd_;
  ssl_st* ssl_;
  std::string buf_;
};

// "GET <target> HTTP/1.1\r\nHost: test\r\n<extra>\r\n"
std::string get_request(std::string_view target, std::string_view extra_headers = {});

}  // namespace mk::http::test
