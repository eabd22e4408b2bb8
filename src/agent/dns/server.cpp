#include "agent/dns/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace mk::agent::dns {
namespace {

constexpr size_t kMaxQueuedForwards = 512;

Result<sockaddr_storage> make_address(const std::string& address, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return make_error(Errc::invalid_argument, "DNS server: listen address \"" + address + "\" is not an IP address");
  }
  return ss;
}

Result<UniqueFd> bind_socket(const sockaddr_storage& ss, socklen_t len, int type) {
  UniqueFd fd(::socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno_error("DNS server: socket", errno);
  // TCP: restart while old connections sit in TIME_WAIT. Not UDP: there the option would let a
  // second server (another agent on the machine) share the port and take its traffic.
  int one = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0)
    return errno_error(std::string("DNS server: bind ") + (type == SOCK_DGRAM ? "UDP" : "TCP"), errno);
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

// Reads or writes `n` bytes on a non-blocking socket, waiting at most until `deadline` and
// giving up when `stop_fd` becomes readable.
bool transfer(int fd, int stop_fd, char* buf, size_t n, bool reading, std::chrono::steady_clock::time_point deadline) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = reading ? ::recv(fd, buf + done, n - done, 0) : ::send(fd, buf + done, n - done, MSG_NOSIGNAL);
    if (r > 0) {
      done += static_cast<size_t>(r);
      continue;
    }
    if (r == 0 && reading) return false;
    if (r < 0 && errno != EAGAIN && errno != EINTR) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p[2] = {{fd, static_cast<short>(reading ? POLLIN : POLLOUT), 0}, {stop_fd, POLLIN, 0}};
    if (::poll(p, 2, static_cast<int>(left)) < 0 && errno != EINTR) return false;
    if (p[1].revents) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, const Resolver& resolver,
                                              const Forwarder& forwarder) {
  std::unique_ptr<Server> s(new Server(resolver, forwarder));
  socklen_t len = 0;
  // With port 0 the kernel picks the UDP port; TCP must get the same number, which another
  // program may hold, so a few tries.
  for (int attempt = 0;; ++attempt) {
    auto address = make_address(options.address, options.port, len);
    if (!address) return address.error();
    auto udp = bind_socket(*address, len, SOCK_DGRAM);
    if (!udp) return udp.error();
    uint16_t port = bound_port(udp->get());
    auto tcp_address = make_address(options.address, port, len);
    auto tcp = bind_socket(*tcp_address, len, SOCK_STREAM);
    if (!tcp) {
      if (options.port == 0 && attempt < 10) continue;
      return tcp.error();
    }
    if (::listen(tcp->get(), 128) != 0) return errno_error("DNS server: listen", errno);
    s->udp_ = std::move(*udp);
    s->tcp_ = std::move(*tcp);
    s->port_ = port;
    break;
  }
  if (options.metrics_port >= 0) {
    auto address = make_address(options.address, static_cast<uint16_t>(options.metrics_port), len);
    if (!address) return address.error();
    auto metrics = bind_socket(*address, len, SOCK_STREAM);
    if (!metrics) return metrics.error().wrap("metrics port " + std::to_string(options.metrics_port));
    if (::listen(metrics->get(), 16) != 0) return errno_error("DNS server: listen (metrics)", errno);
    s->metrics_port_ = bound_port(metrics->get());
    s->metrics_ = std::move(*metrics);
  }
  s->stop_fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!s->stop_fd_) return errno_error("DNS server: eventfd", errno);
  for (int i = 0; i < std::max(1, options.forward_workers); ++i) s->workers_.emplace_back([p = s.get()] { p->forward_loop(); });
  s->udp_thread_ = std::thread([p = s.get()] { p->udp_loop(); });
  s->accept_thread_ = std::thread([p = s.get()] { p->accept_loop(); });
  return s;
}

Server::~Server() { stop(); }

void Server::stop() {
  if (stopping_.exchange(true)) return;
  uint64_t one = 1;
  if (stop_fd_) (void)!::write(stop_fd_.get(), &one, sizeof one);
  { std::lock_guard lock(jobs_mu_); }  // a worker between its check and its wait sees the flag
  jobs_cv_.notify_all();
  if (udp_thread_.joinable()) udp_thread_.join();
  if (accept_thread_.joinable()) accept_thread_.join();
  for (auto& c : connections_)
    if (c.thread.joinable()) c.thread.join();
  connections_.clear();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

void Server::udp_loop() {
  char buf[65536];
  while (!stopping_) {
    pollfd p[2] = {{udp_.get(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) {
      MK_LOG(error) << "dns: poll: " << std::strerror(errno);
      return;
    }
    if (p[1].revents) return;
    // Drain everything queued before polling again: one poll per burst, not per packet.
    while (true) {
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      ssize_t n = ::recvfrom(udp_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0) break;
      stats_.udp_queries.fetch_add(1, std::memory_order_relaxed);
      Outcome out = resolver_.handle(std::string_view(buf, static_cast<size_t>(n)), false);
      if (out.action == Outcome::Action::reply) {
        ::sendto(udp_.get(), out.wire.data(), out.wire.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&from), from_len);
      } else if (out.action == Outcome::Action::forward || out.action == Outcome::Action::chase) {
        std::lock_guard lock(jobs_mu_);
        if (jobs_.size() >= kMaxQueuedForwards) {
          stats_.dropped.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        ForwardJob job{std::string(buf, static_cast<size_t>(n)), std::nullopt, from, from_len};
        if (out.action == Outcome::Action::chase) job.chase = std::move(out);
        jobs_.push_back(std::move(job));
        jobs_cv_.notify_one();
      }
    }
  }
}

void Server::forward_loop() {
  while (true) {
    ForwardJob job;
    {
      std::unique_lock lock(jobs_mu_);
      jobs_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    stats_.forwarded.fetch_add(1, std::memory_order_relaxed);
    std::string wire;
    if (job.chase) {
      wire = finish_chase(*job.chase, forwarder_.exchange(chase_query(*job.chase), false));
      ::sendto(udp_.get(), wire.data(), wire.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&job.client), job.client_len);
      continue;
    }
    auto reply = forwarder_.exchange(job.query, false);
    if (reply) {
      wire = std::move(*reply);
    } else {
      stats_.forward_failures.fetch_add(1, std::memory_order_relaxed);
      MK_LOG(debug) << "dns: " << reply.error().message;
      auto query = parse(job.query);
      if (!query) continue;
      wire = error_reply(*query, kServFail, false);
    }
    ::sendto(udp_.get(), wire.data(), wire.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&job.client), job.client_len);
  }
}

void Server::accept_loop() {
  while (!stopping_) {
    pollfd p[3] = {{stop_fd_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}, {metrics_.get(), POLLIN, 0}};
    if (::poll(p, metrics_ ? 3 : 2, -1) < 0 && errno != EINTR) return;
    if (p[0].revents) return;
    if (metrics_ && p[2].revents) {
      int fd = ::accept4(metrics_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) serve_metrics(fd);
    }
    if (!p[1].revents) continue;
    int fd = ::accept4(tcp_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->done) {
        it->thread.join();
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
    if (connections_.size() >= static_cast<size_t>(kMaxTcpConnections)) {
      ::close(fd);
      stats_.dropped.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    auto& c = connections_.emplace_back();
    c.thread = std::thread([this, fd, &c] {
      serve_connection(fd);
      c.done = true;
    });
  }
}

// One request, one answer, connection closed; a scraper that sends nothing for a second is
// dropped. Served on the accept thread: it takes microseconds.
void Server::serve_metrics(int raw_fd) {
  UniqueFd fd(raw_fd);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::string request;
  char buf[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      request.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    pollfd p{fd.get(), POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return;
  }
  std::string status = "200 OK", body;
  if (request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0) {
    auto line = [&](const char* name, const char* help, const char* labels, uint64_t v) {
      body += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
      body += std::string(name) + labels + " " + std::to_string(v) + "\n";
    };
    line("coredns_dns_requests_total", "Queries received, by transport.", "{proto=\"udp\"}", stats_.udp_queries.load());
    body += "coredns_dns_requests_total{proto=\"tcp\"} " + std::to_string(stats_.tcp_queries.load()) + "\n";
    line("coredns_forward_requests_total", "Queries sent to the upstream resolvers.", "", stats_.forwarded.load());
    line("minikube_dns_forward_failures_total", "Forwarded queries answered SERVFAIL because no upstream replied.", "",
         stats_.forward_failures.load());
    line("minikube_dns_dropped_total", "Queries dropped: forward queue or TCP connections full.", "", stats_.dropped.load());
  } else {
    status = "404 Not Found";
    body = "404 page not found\n";
  }
  std::string response = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  (void)transfer(fd.get(), stop_fd_.get(), response.data(), response.size(), false, deadline + std::chrono::seconds(1));
}

void Server::serve_connection(int raw_fd) {
  UniqueFd fd(raw_fd);
  while (!stopping_) {
    auto deadline = std::chrono::steady_clock::now() + kTcpIdle;
    unsigned char prefix[2];
    if (!transfer(fd.get(), stop_fd_.get(), reinterpret_cast<char*>(prefix), 2, true, deadline)) return;
    std::string query(static_cast<size_t>(prefix[0]) << 8 | prefix[1], '\0');
    if (!transfer(fd.get(), stop_fd_.get(), query.data(), query.size(), true, deadline)) return;
    stats_.tcp_queries.fetch_add(1, std::memory_order_relaxed);
    Outcome out = resolver_.handle(query, true);
    if (out.action == Outcome::Action::drop) continue;
    if (out.action == Outcome::Action::chase) {
      stats_.forwarded.fetch_add(1, std::memory_order_relaxed);
      out.wire = finish_chase(out, forwarder_.exchange(chase_query(out), true));
    } else if (out.action == Outcome::Action::forward) {
      stats_.forwarded.fetch_add(1, std::memory_order_relaxed);
      auto reply = forwarder_.exchange(query, true);
      if (reply) {
        out.wire = std::move(*reply);
      } else {
        stats_.forward_failures.fetch_add(1, std::memory_order_relaxed);
        MK_LOG(debug) << "dns: " << reply.error().message;
        auto parsed = parse(query);
        if (!parsed) return;
        out.wire = error_reply(*parsed, kServFail, true);
      }
    }
    std::string framed;
    framed.reserve(out.wire.size() + 2);
    framed += static_cast<char>(out.wire.size() >> 8);
    framed += static_cast<char>(out.wire.size() & 0xFF);
    framed += out.wire;
    if (!transfer(fd.get(), stop_fd_.get(), framed.data(), framed.size(), false, deadline + kTcpIdle)) return;
  }
}

}  // namespace mk::agent::dns
