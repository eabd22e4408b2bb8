#pragma once
// The DNS server's sockets: UDP and TCP on one address and port. A UDP thread answers zone
// queries inline and hands forwards to a few worker threads (a bounded queue: when it is full
// the query is dropped and the client retries); each TCP connection gets a thread of its own
// (at most kMaxTcpConnections, idle ones closed after kTcpIdle) and may send several queries.

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/dns/forwarder.h"
#include "agent/dns/resolver.h"
#include "common/error.h"
#include "common/unique_fd.h"

namespace mk::agent::dns {

struct ServerOptions {
  std::string address = "10.43.0.10";
  uint16_t port = 53;  // 0: any free port (the same number for UDP and TCP)
  int forward_workers = 4;
  // Prometheus text at GET /metrics over plain HTTP on this TCP port of the same address
  // (9153, as CoreDNS's); -1: none, 0: any free port.
  int metrics_port = -1;
};

struct ServerStats {
  std::atomic<uint64_t> udp_queries{0}, tcp_queries{0}, forwarded{0}, forward_failures{0}, dropped{0};
};

class Server {
 public:
  static constexpr int kMaxTcpConnections = 64;
  static constexpr std::chrono::seconds kTcpIdle{10};

  // Binds both sockets and starts the threads. `resolver` and `forwarder` must outlive it.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, const Resolver& resolver,
                                               const Forwarder& forwarder);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  uint16_t metrics_port() const { return metrics_port_; }
  const ServerStats& stats() const { return stats_; }
  void stop();

 private:
  Server(const Resolver& resolver, const Forwarder& forwarder) : resolver_(resolver), forwarder_(forwarder) {}
  struct ForwardJob {
    std::string query;
    std::optional<Outcome> chase;  // set: resolve the chase target instead of forwarding
    sockaddr_storage client;
    socklen_t client_len;
  };
  struct Connection {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void udp_loop();
  void forward_loop();
  void accept_loop();
  void serve_connection(int fd);
  void serve_metrics(int fd);

  const Resolver& resolver_;
  const Forwarder& forwarder_;
  UniqueFd udp_, tcp_, metrics_, stop_fd_;
  uint16_t port_ = 0, metrics_port_ = 0;
  ServerStats stats_;
  std::atomic<bool> stopping_{false};

  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<ForwardJob> jobs_;

  std::thread udp_thread_, accept_thread_;
  std::vector<std::thread> workers_;
  std::list<Connection> connections_;  // the accept thread's alone until stop()
};

}  // namespace mk::agent::dns
