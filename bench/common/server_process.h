#pragma once
// One `minikube server` started by a benchmark: its own data dir, a free 127.0.0.1 port, the
// in-process agent off unless asked for. start() returns once /readyz answers 200 over TLS;
// the object stops the process by its PID (SIGTERM, then SIGKILL) when it goes away.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "common/error.h"
#include "tls_material.h"

namespace mk::bench {

struct ServerSpec {
  std::string binary;    // absolute path of minikube
  std::string data_dir;  // --data-dir
  std::string work_dir;  // kubeconfig and logs go here
  std::string label;     // names the log file: <work_dir>/<label>.log
  // Trust and identity from an earlier start on the same data dir; null on a new one, where
  // they are read from the kubeconfig the server writes.
  std::shared_ptr<const TlsMaterial> tls;
  std::chrono::seconds deadline{30};
  bool agent = false;                   // run the server's own agent (no --disable-agent)
  // The server runs in a network namespace of the benchmark's own: its agent may keep the
  // service proxy and NetworkPolicy enforcer on (on the host's network they stay off).
  bool private_network = false;
  std::vector<std::string> extra_args;  // appended to the command line
};

class ServerProcess {
 public:
  static Result<ServerProcess> start(const ServerSpec& spec);

  pid_t pid() const { return child_.pid(); }
  int port() const { return port_; }
  const std::shared_ptr<const TlsMaterial>& tls() const { return tls_; }
  // From just before fork to the first 200 from /readyz, and to the first 200 from an
  // authenticated GET of the `default` namespace.
  double ready_ms() const { return ready_ms_; }
  double api_ms() const { return api_ms_; }
  const std::string& log_path() const { return log_path_; }
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) { child_.stop(grace); }

 private:
  ServerProcess(ChildProcess child, int port, std::string log_path)
      : child_(std::move(child)), port_(port), log_path_(std::move(log_path)) {}
  Status wait_ready(const ServerSpec& spec, std::chrono::steady_clock::time_point started);

  ChildProcess child_;
  int port_ = 0;
  std::string log_path_;
  std::shared_ptr<const TlsMaterial> tls_;
  double ready_ms_ = 0;
  double api_ms_ = 0;
};

// A port nothing listens on right now (bound to 127.0.0.1:0 and released).
Result<int> free_loopback_port();
// The last lines of a log, for error messages.
std::string log_tail(const std::string& path, size_t lines = 5);

}  // namespace mk::bench
