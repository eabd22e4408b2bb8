#include "server_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api_client.h"
#include "common/log.h"
#include "interrupt.h"
#include "kube_credentials.h"

namespace mk::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Short enough not to blur a start-up of tens of milliseconds, long enough not to spin a core
// the server needs while it starts.
constexpr auto kProbeInterval = std::chrono::milliseconds(1);

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

Result<int> free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("socket", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

std::string log_tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += (out.empty() ? "" : " | ") + l;
  return out.empty() ? "(empty log)" : out;
}

Result<ServerProcess> ServerProcess::start(const ServerSpec& spec) {
  auto port = free_loopback_port();
  if (!port) return port.error();
  const std::string kubeconfig = spec.work_dir + "/" + spec.label + ".kubeconfig";
  const std::string log_path = spec.work_dir + "/" + spec.label + ".log";
  std::vector<std::string> argv = {spec.binary,
                                   "server",
                                   "--data-dir",
                                   spec.data_dir,
                                   "--https-listen-port",
                                   std::to_string(*port),
                                   "--bind-address",
                                   "127.0.0.1",
                                   "--write-kubeconfig",
                                   kubeconfig};
  if (!spec.agent) argv.push_back("--disable-agent");
  // The agent runs on the host's network: no service proxy or NetworkPolicy tables left there
  // (they outlive the agent by design).
  if (spec.agent && !spec.private_network) argv.insert(argv.end(), {"--disable-kube-proxy", "--disable-network-policy"});
  argv.insert(argv.end(), spec.extra_args.begin(), spec.extra_args.end());
  auto started = Clock::now();
  auto child = ChildProcess::spawn(argv, log_path);
  if (!child) return child.error();
  ServerProcess server(std::move(*child), *port, log_path);
  server.tls_ = spec.tls;
  if (Status s = server.wait_ready(spec, started); !s) {
    server.stop();
    return s.error().wrap(spec.label + " (log: " + log_tail(log_path) + ")");
  }
  MK_LOG(debug) << "bench: " << spec.label << " pid " << server.pid() << " ready on port " << *port
                << " after " << server.ready_ms_ << " ms";
  return server;
}

Status ServerProcess::wait_ready(const ServerSpec& spec, Clock::time_point started) {
  const std::string kubeconfig = spec.work_dir + "/" + spec.label + ".kubeconfig";
  auto deadline = started + spec.deadline;
  auto alive = [&]() -> Status {
    if (interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (!child_.running()) return make_error(Errc::unavailable, "minikube server exited during start-up");
    if (Clock::now() > deadline) {
      return make_error(Errc::unavailable, "not serving within " + std::to_string(spec.deadline.count()) + " s");
    }
    return Status::ok();
  };
  // A new data dir: the CA exists only once the server has made it; the kubeconfig it writes
  // (atomically, by rename) is where the benchmark learns it.
  while (!tls_) {
    if (Status s = alive(); !s) return s;
    std::error_code ec;
    if (std::filesystem::exists(kubeconfig, ec)) {
      auto creds = read_kubeconfig(kubeconfig);
      if (!creds) return creds.error();
      auto tls = TlsMaterial::parse(*creds, spec.work_dir + "/" + spec.label + ".ca.crt");
      if (!tls) return tls.error();
      tls_ = *tls;
      break;
    }
    std::this_thread::sleep_for(kProbeInterval);
  }
  auto client = ApiClient::connect(*tls_, port_);
  if (!client) return client.error();
  // Refused connections fail at once until the listener is up.
  for (bool ready = false; !ready;) {
    if (Status s = alive(); !s) return s;
    auto reply = client->get("/readyz");
    if (reply && reply->status == 200) {
      ready_ms_ = ms_since(started);
      ready = true;
    } else {
      std::this_thread::sleep_for(kProbeInterval);
    }
  }
  for (;;) {
    if (Status s = alive(); !s) return s;
    auto reply = client->get("/api/v1/namespaces/default");
    if (reply && reply->status == 200) {
      api_ms_ = ms_since(started);
      return Status::ok();
    }
    std::this_thread::sleep_for(kProbeInterval);
  }
}

}  // namespace mk::bench
