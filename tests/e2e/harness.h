#pragma once
// End-to-end harness: starts the built `minikube server` (MINIKUBE_BIN) on a free loopback port in a
// temporary directory, waits for /readyz, and runs the real kubectl against it the way a user would.
//
// Everything a test writes lives under the server's temporary directory, which is removed on
// destruction. The destructor stops only the server it started (SIGTERM by PID, then SIGKILL),
// and prints the server log when the running test case has failed.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mk::e2e {

using namespace std::chrono_literals;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes a file inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const;
  // Creates (and returns) a new subdirectory with a unique name starting with `prefix`.
  std::string subdir(const std::string& prefix);

 private:
  std::string path_;
  int next_ = 0;
};

std::string read_file(const std::string& path);
std::vector<std::string> split_lines(const std::string& text);
// Splits a line of a kubectl table into its cells (runs of two or more spaces separate cells,
// so headers such as "NOMINATED NODE" stay one cell).
std::vector<std::string> table_cells(const std::string& line);
// Splits on any run of whitespace.
std::vector<std::string> words(const std::string& line);
bool contains(const std::string& haystack, const std::string& needle);
// Collapses every run of whitespace to one space and trims both ends.
std::string squeeze(const std::string& text);
// True if some line of `text`, squeezed, starts with `prefix` (also squeezed).
bool has_line_starting(const std::string& text, const std::string& prefix);
// The first line whose first table cell is `name` ("" if none).
std::string row_named(const std::string& table, const std::string& name);

// Polls `condition` every 50 ms until it holds or the deadline passes; returns its last value.
template <typename F>
bool poll_until(F condition, std::chrono::milliseconds timeout);

// A child process whose stdout and stderr go to files. The destructor stops it (SIGTERM, then
// SIGKILL after a grace period) if it is still running.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& stdin_path,
          const std::string& out_path, const std::string& err_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Waits for the process to exit; false if it still runs at the deadline.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns true if SIGTERM was enough.
  bool stop(std::chrono::milliseconds grace = 10s);
  int exit_code() const { return exit_code_; }
  int term_signal() const { return signal_; }

 private:
  void reap(int status);
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int signal_ = 0;
};

struct RunResult {
  std::string command;
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0 && !timed_out; }
};
std::ostream& operator<<(std::ostream& os, const RunResult& r);

struct HttpResult {
  int status = 0;  // 0 when the request failed before a response arrived
  std::string content_type;
  std::string body;
  std::string error;
};

// kubectl started in the background (for `get -w`); its output accumulates in files.
class BackgroundCommand {
 public:
  BackgroundCommand(std::string command, const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& dir);
  std::string out() const { return read_file(out_path_); }
  std::string err() const { return read_file(err_path_); }
  bool running() { return process_->running(); }
  // Stops the command by PID (SIGTERM, then SIGKILL) and returns what it printed.
  RunResult stop();

 private:
  std::string command_;
  std::string out_path_, err_path_;
  std::unique_ptr<Process> process_;
};

// Address ranges for one test cluster: pods in 10.N.0.0/16, services in 10.N+1.0.0/16 (N even,
// from the pid and the time), so that clusters of tests running at once never share a route.
struct ClusterRanges {
  std::string cluster_cidr, service_cidr, cluster_dns;
};
ClusterRanges per_run_ranges();

// Removes what an agent with this data dir and node name left on the host: its pods (through the
// runtime: containers, mounts, namespaces), the node's pod network (bridge, VXLAN device,
// nftables table) and its cgroup root once empty. For tests that start agents themselves.
void cleanup_node(const std::string& data_dir, const std::string& node_name, const std::string& cgroup_root);

struct ServerOptions {
  // Runs the server's own agent, as k3s does (needs root). Its node name, its pods' cgroup root
  // and the service range are then unique to the run too; destroying the Server removes its
  // pods, pod network and cgroups (cleanup_node). The service proxy, NetworkPolicy and DNS
  // leave state of their own in the host's namespace: disable them in extra_args when unused.
  bool agent = false;
  // Called with the data dir before the server starts (e.g. to drop image tarballs into
  // <data-dir>/agent/images for the agent to import).
  std::function<void(const std::string& data_dir)> prepare;
  std::vector<std::string> extra_args;
  // A network namespace (nsfs path, e.g. /run/netns/NAME) to run the server and kubectl in;
  // https_get() then connects from inside it too.
  std::string netns;
  std::string bind_address = "127.0.0.1";
};

class Server {
 public:
  // Starts the server and waits (with a deadline) until /readyz answers 200. Throws
  // std::runtime_error, including the server log, if it does not come up. The cluster always
  // gets a per-run pod range (per_run_ranges).
  Server() : Server(ServerOptions{}) {}
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  const std::string& kubeconfig() const { return kubeconfig_; }
  // The cluster CA, decoded from the kubeconfig into a PEM file.
  const std::string& ca_file() const { return ca_file_; }
  // The admin client certificate and key from the kubeconfig, as PEM files.
  const std::string& client_cert_file() const { return client_cert_file_; }
  const std::string& client_key_file() const { return client_key_file_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const ClusterRanges& ranges() const { return ranges_; }
  // "e2e-node", or a per-run name when the server runs its agent.
  const std::string& node_name() const { return node_name_; }
  std::string data_dir() const { return dir_.file("data"); }
  std::string log() const;
  // Writes a file (a manifest, say) into the server's temporary directory and returns its path.
  std::string write(const std::string& name, const std::string& content) { return dir_.write(name, content); }
  std::string new_dir(const std::string& prefix) { return dir_.subdir(prefix); }

  // Runs `kubectl --kubeconfig <kubeconfig> --cache-dir <fresh dir> <args...>`.
  RunResult kubectl(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 60s,
                    const std::string& stdin_data = "");
  // Like kubectl(), with `extra_env` ("NAME=value", e.g. an EDITOR) added to the environment.
  RunResult kubectl_with_env(const std::vector<std::string>& extra_env, const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout = 60s);
  // Runs kubectl with exactly these arguments (no kubeconfig or cache-dir added).
  RunResult kubectl_raw(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 60s);
  std::unique_ptr<BackgroundCommand> kubectl_background(const std::vector<std::string>& args);

  // A plain HTTPS GET to 127.0.0.1 that verifies the server with the cluster CA. With
  // `client_cert` the admin client certificate from the kubeconfig is presented; without it
  // the request carries no credentials at all.
  HttpResult https_get(const std::string& path, bool client_cert = false) const;

 private:
  std::vector<std::string> kubectl_env() const;
  // argv run inside options_.netns (through nsenter) when there is one.
  std::vector<std::string> in_netns(std::vector<std::string> argv) const;
  HttpResult https_get_here(const std::string& path, bool client_cert) const;
  TempDir dir_;
  ServerOptions options_;
  ClusterRanges ranges_;
  std::string node_name_ = "e2e-node", cgroup_root_;
  int port_ = 0;
  std::string kubeconfig_, ca_file_, client_cert_file_, client_key_file_, log_file_;
  std::unique_ptr<Process> process_;
};

// The kubectl binary the tests run: $MINIKUBE_E2E_KUBECTL if set, else /usr/bin/kubectl.
std::string kubectl_binary();

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace mk::e2e

#include <thread>

namespace mk::e2e {

template <typename F>
bool poll_until(F condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace mk::e2e
