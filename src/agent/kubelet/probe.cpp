#include "agent/kubelet/probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/sigpipe.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxOutput = 10 * 1024;  // upstream keeps 10 KiB of a probe's output

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) out += (i ? " " : "") + args[i];
  return out;
}

ProbeOutcome exec_handler(const json& exec, const HandlerTarget& t, std::chrono::milliseconds timeout) {
  std::vector<std::string> args;
  for (const auto& a : exec.value("command", json::array()))
    if (a.is_string()) args.push_back(a.get<std::string>());
  if (args.empty()) return {ProbeResult::failure, "exec: no command", true};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {ProbeResult::failure, std::string("pipe: ") + std::strerror(errno), true};
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  runtime::pod::ExecRequest request;
  request.args = args;
  request.stdout_fd = write_end.get();
  request.stderr_fd = write_end.get();
  request.timeout_ms = timeout.count();
  auto code = t.runtime->exec(t.uid, t.container, request);
  write_end.reset();
  std::string output;
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
  char buf[4096];
  ssize_t n;
  while (output.size() < kMaxOutput && (n = ::read(read_end.get(), buf, sizeof buf)) > 0) output.append(buf, n);
  if (output.size() > kMaxOutput) output.resize(kMaxOutput);
  if (!code) {
    if (code.error().code == Errc::cancelled) {
      return {ProbeResult::failure, "command \"" + joined(args) + "\" timed out", false};
    }
    return {ProbeResult::failure, code.error().message, true};
  }
  return {*code == 0 ? ProbeResult::success : ProbeResult::failure, output, false};
}

// The port a handler names: a number, or the name of one of the container's ports.
int resolve_port(const json& port, const json& container) {
  if (port.is_number_integer()) return port.get<int>();
  if (!port.is_string()) return -1;
  std::string name = port.get<std::string>();
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) return std::stoi(name);
  for (const auto& p : container.value("ports", json::array())) {
    if (p.value("name", "") == name) return p.value("containerPort", -1);
  }
  return -1;
}

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Connects with a deadline; on failure `error` is Go's dial error text.
UniqueFd dial(const std::string& netns, const std::string& host, int port, Clock::time_point deadline,
              std::string& error) {
  std::string address = host + ":" + std::to_string(port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    error = "dial tcp " + address + ": only IPv4 addresses are supported";
    return {};
  }
  auto sock = socket_in_netns(netns);
  if (!sock) {
    error = "dial tcp " + address + ": " + sock.error().message;
    return {};
  }
  UniqueFd fd = std::move(*sock);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    error = "dial tcp " + address + ": connect: " + std::string(std::strerror(errno));
    return {};
  }
  pollfd p{fd.get(), POLLOUT, 0};
  int n = ::poll(&p, 1, millis_left(deadline));
  if (n <= 0) {
    error = "dial tcp " + address + ": i/o timeout";
    return {};
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    std::string text = std::strerror(err);
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    error = "dial tcp " + address + ": connect: " + text;
    return {};
  }
  return fd;
}

// Blocking I/O with the deadline as the socket timeouts (OpenSSL reads through them too).
void set_timeouts(int fd, Clock::time_point deadline) {
  int ms = std::max(1, millis_left(deadline));
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

ProbeOutcome http_handler(const json& http, const HandlerTarget& t, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string scheme = http.value("scheme", "HTTP");
  std::string host = http.value("host", "");
  if (host.empty()) host = "127.0.0.1";
  int port = resolve_port(http.value("port", json()), t.container_spec);
  std::string path = http.value("path", "");
  if (path.empty() || path[0] != '/') path = "/" + path;
  std::string lower_scheme = scheme == "HTTPS" ? "https" : "http";
  std::string url = lower_scheme + "://" + host + ":" + std::to_string(port) + path;
  if (port <= 0 || port > 65535) return {ProbeResult::failure, "invalid port in httpGet: " + http.value("port", json()).dump(), true};
  std::string error;
  UniqueFd fd = dial(t.netns, host, port, deadline, error);
  if (!fd) return {ProbeResult::failure, "Get \"" + url + "\": " + error, false};
  set_timeouts(fd.get(), deadline);

  std::string host_header = host + ":" + std::to_string(port);
  std::string headers;
  for (const auto& h : http.value("httpHeaders", json::array())) {
    std::string name = h.value("name", "");
    if (name.empty()) continue;
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "host") {
      host_header = h.value("value", "");
      continue;
    }
    headers += name + ": " + h.value("value", "") + "\r\n";
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host_header +
                        "\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n" + headers + "\r\n";

  ignore_sigpipe();
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  struct Cleanup {
    SSL_CTX*& ctx;
    SSL*& ssl;
    ~Cleanup() {
      if (ssl) SSL_free(ssl);
      if (ctx) SSL_CTX_free(ctx);
    }
  } cleanup{ctx, ssl};
  if (scheme == "HTTPS") {
    // As upstream: TLS without verifying the certificate.
    ctx = SSL_CTX_new(TLS_client_method());
    ssl = ctx ? SSL_new(ctx) : nullptr;
    if (!ssl || SSL_set_fd(ssl, fd.get()) != 1 || SSL_connect(ssl) != 1) {
      return {ProbeResult::failure, "Get \"" + url + "\": TLS handshake failed", false};
    }
  }
  auto send_all = [&](const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      int n = ssl ? SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done))
                  : static_cast<int>(::send(fd.get(), data.data() + done, data.size() - done, MSG_NOSIGNAL));
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  };
  std::string timeout_text = "Get \"" + url + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
  if (!send_all(request)) return {ProbeResult::failure, "Get \"" + url + "\": write: connection reset by peer", false};
  std::string response;
  char buf[4096];
  while (response.size() < kMaxOutput + 8192) {
    int n = ssl ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(::recv(fd.get(), buf, sizeof buf, 0));
    if (n < 0 && !ssl && errno == EINTR) continue;
    if (n <= 0) {
      if (Clock::now() >= deadline && response.find("\r\n\r\n") == std::string::npos) {
        return {ProbeResult::failure, timeout_text, false};
      }
      break;
    }
    response.append(buf, static_cast<size_t>(n));
  }
  // "HTTP/1.1 200 OK"
  if (response.compare(0, 5, "HTTP/") != 0 || response.size() < 12) {
    if (response.empty()) return {ProbeResult::failure, "Get \"" + url + "\": EOF", false};
    return {ProbeResult::failure, "Get \"" + url + "\": malformed HTTP response", false};
  }
  int status = std::atoi(response.c_str() + response.find(' ') + 1);
  size_t body_at = response.find("\r\n\r\n");
  std::string body = body_at == std::string::npos ? "" : response.substr(body_at + 4, kMaxOutput);
  if (status >= 200 && status < 400) return {ProbeResult::success, body, false};
  return {ProbeResult::failure, "HTTP probe failed with statuscode: " + std::to_string(status), false};
}

ProbeOutcome tcp_handler(const json& tcp, const HandlerTarget& t, std::chrono::milliseconds timeout) {
  std::string host = tcp.value("host", "");
  if (host.empty()) host = "127.0.0.1";
  int port = resolve_port(tcp.value("port", json()), t.container_spec);
  if (port <= 0 || port > 65535) return {ProbeResult::failure, "invalid port in tcpSocket: " + tcp.value("port", json()).dump(), true};
  std::string error;
  UniqueFd fd = dial(t.netns, host, port, Clock::now() + timeout, error);
  if (!fd) return {ProbeResult::failure, error, false};
  return {ProbeResult::success, "", false};
}

}  // namespace

Result<UniqueFd> socket_in_netns(const std::string& netns) {
  if (netns.empty()) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return errno_error("socket", errno);
    return fd;
  }
  // A socket stays in the namespace it was made in; only this short-lived thread enters it, so
  // no other thread of the process changes namespace.
  Result<UniqueFd> out = make_error(Errc::internal, "socket in " + netns + ": not made");
  std::thread([&] {
    UniqueFd ns(::open(netns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) {
      out = errno_error("open " + netns, errno);
      return;
    }
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      out = errno_error("enter network namespace " + netns, errno);
      return;
    }
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
      out = errno_error("socket", errno);
      return;
    }
    out = std::move(fd);
  }).join();
  return out;
}

ProbeOutcome run_handler(const json& handler, const HandlerTarget& target, std::chrono::milliseconds timeout) {
  if (handler.contains("exec")) return exec_handler(handler["exec"], target, timeout);
  if (handler.contains("httpGet")) return http_handler(handler["httpGet"], target, timeout);
  if (handler.contains("tcpSocket")) return tcp_handler(handler["tcpSocket"], target, timeout);
  if (handler.contains("sleep")) {
    auto want = std::chrono::seconds(handler["sleep"].value("seconds", int64_t{0}));
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(want, timeout));
    return {ProbeResult::success, "", false};
  }
  if (handler.contains("grpc")) return {ProbeResult::failure, "grpc probes are not supported by this kubelet", true};
  return {ProbeResult::failure, "missing probe handler", true};
}

}  // namespace mk::agent::kubelet
