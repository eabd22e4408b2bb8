#include "etcd_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/log.h"
#include "etcd_client.h"
#include "interrupt.h"

namespace mk::bench {
namespace {

constexpr int kAttempts = 3;
constexpr auto kHealthDeadline = std::chrono::seconds(30);

// Binds 127.0.0.1:0 to learn a port that is free right now.
Result<int> free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("socket", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    close(fd);
    return errno_error("bind 127.0.0.1:0", err);
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string log_tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
  return text;
}

}  // namespace

Result<std::unique_ptr<EtcdServer>> EtcdServer::start(const std::string& parent) {
  Error last = make_error(Errc::unavailable, "etcd: not started");
  for (int attempt = 1; attempt <= kAttempts && !interrupted(); ++attempt) {
    auto dir = TempDir::create(parent, "etcd-bench-");
    if (!dir) return dir.error();
    auto client_port = free_loopback_port();
    auto peer_port = free_loopback_port();
    if (!client_port) return client_port.error();
    if (!peer_port) return peer_port.error();
    std::string client_url = "http://127.0.0.1:" + std::to_string(*client_port);
    std::string peer_url = "http://127.0.0.1:" + std::to_string(*peer_port);
    std::string log_path = dir->path() + "/etcd.log";
    std::vector<std::string> argv = {
        kBinary,
        "--name=default",
        "--data-dir=" + dir->path() + "/data",
        "--listen-client-urls=" + client_url,
        "--advertise-client-urls=" + client_url,
        "--listen-peer-urls=" + peer_url,
        "--initial-advertise-peer-urls=" + peer_url,
        "--initial-cluster=default=" + peer_url,
        "--logger=zap",
        "--log-outputs=stderr",
        "--log-level=warn",
    };
    auto process = ChildProcess::spawn(argv, log_path);
    if (!process) return process.error();

    EtcdClient client("127.0.0.1", *client_port);
    auto deadline = std::chrono::steady_clock::now() + kHealthDeadline;
    bool healthy = false;
    while (std::chrono::steady_clock::now() < deadline && !interrupted()) {
      if (!process->running()) break;
      if (client.health()) {
        healthy = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (healthy) {
      MK_LOG(info) << "bench: etcd pid " << process->pid() << " serving on " << client_url;
      return std::unique_ptr<EtcdServer>(
          new EtcdServer(std::move(*dir), std::move(*process), *client_port));
    }
    process->stop();
    last = make_error(Errc::unavailable, "etcd on " + client_url + " (attempt " +
                                             std::to_string(attempt) +
                                             ") never became healthy: " + log_tail(log_path));
    MK_LOG(warn) << "bench: " << last.message;
  }
  return last;
}

EtcdServer::~EtcdServer() {
  if (process_.pid() > 0) MK_LOG(info) << "bench: stopping etcd pid " << process_.pid();
  process_.stop();
}

}  // namespace mk::bench
