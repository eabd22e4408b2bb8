#pragma once
// The runtime service: runs pod specs with one shim per pod, and reads back their state.
// Everything a pod has lives under <data-dir>/agent/pods/<uid>/:
//   pod.json          the PodSpec
//   shim.json         the shim's pid and start time; shim.sock its control socket; shim.log
//   ns/               the held namespaces (see sandbox.h); hostname, hosts, resolv.conf
//   network.json      the pod's IP addresses, when a network hook attached it
//   containers/<name>/config.json, state.json (see runtime/shim/container_files.h)
//   containers/<name>/restarts.json   restart count and the previous run's state (once restarted)
//   logs/<name>.log   CRI-format logs, rotated to .1 .. .4; <name>.previous.log* the previous run's
// Cgroups: <cgroup-root>/kubepods[/burstable|/besteffort]/pod<uid>/<container>.
// Nothing is kept in memory that is not on disk, so a new Runtime (after minikube restarts)
// sees the same pods; recover() checks their shims and never starts a second one.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/pod/pod_spec.h"
#include "runtime/shim/container_files.h"
#include "runtime/shim/unique_fd.h"

namespace mk::runtime::pod {

// An optional pod network, plugged in by whoever runs the runtime (the agent's; `minikube
// runtime` has none, and its pods have only loopback). The runtime knows nothing of how it works.
struct NetworkHooks {
  // Called for a pod with its own network namespace, after the sandbox exists and before any
  // container starts, with the path of the namespace; returns the pod's IP addresses.
  std::function<Result<std::vector<std::string>>(const PodSpec& spec, const std::string& netns_path)> attach;
  // Called when the pod is removed (also for pods attach was never called for, or failed for).
  std::function<Status(const std::string& uid)> detach;
};

struct RuntimeConfig {
  std::string data_dir = "/var/lib/minikube";
  std::string cgroup_root = "minikube";  // keeps several agents (and tests) apart
  std::string shim_path;                 // empty: default_shim_path()
  uint64_t log_max_bytes = 10 * 1024 * 1024;  // per file, as the kubelet's containerLogMaxSize
  int log_max_files = 5;
  NetworkHooks network;
};

struct ContainerStatus {
  std::string name;
  shim::ContainerState state;
  bool init = false;       // an init container
  int restart_count = 0;   // how often start_container restarted it
  std::optional<shim::ContainerState> last_state;  // its previous run, once restarted
};

struct PodStatus {
  std::string uid, name, namespace_name;
  int shim_pid = 0;  // 0 when the shim is not running
  std::vector<std::string> ips;  // from the network hook; empty without one or for hostNetwork
  std::vector<ContainerStatus> containers;
};

struct ExecRequest {
  std::vector<std::string> args;
  std::vector<std::string> env;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // passed to the process as they are
  // 0: wait as long as it runs. Otherwise the process is killed after that long and exec
  // returns Errc::cancelled.
  int64_t timeout_ms = 0;
};

class Runtime {
 public:
  explicit Runtime(RuntimeConfig config);

  std::string pods_dir() const;
  std::string pod_dir(const std::string& uid) const;

  // Re-adopts pods whose shim still runs; for pods whose shim is gone, containers still marked
  // running are recorded as exited (reason Unknown). Returns the uids of live pods.
  Result<std::vector<std::string>> recover();

  // Sets up the sandbox, cgroups and shim, and starts every app container (with
  // `start_containers` false, none: the kubelet starts them, init containers first, with
  // start_container). A uid whose pod exists already is refused (Errc::already_exists), so
  // nothing ever runs twice.
  Result<PodStatus> run_pod(const PodSpec& spec, bool start_containers = true);
  // Starts one init or app container of a pod whose shim runs. A container that ran before is
  // restarted as a new container would be: its last run is kept as the previous one (state in
  // restarts.json, log moved to previous_log_path()), its restart count goes up, its writable
  // layer and its cgroup (with the OOM counter) start afresh.
  Status start_container(const std::string& uid, const std::string& name);
  // Stops one container (stop signal, SIGKILL after the grace period) and returns once it exited.
  Status stop_container(const std::string& uid, const std::string& name, int64_t grace_seconds);
  // stop_container, then start_container.
  Status restart_container(const std::string& uid, const std::string& name, int64_t grace_seconds);
  // Stops every container (stop signal, SIGKILL after the grace period), kills what is left in
  // the pod's cgroup and lets the shim exit.
  Status stop_pod(const std::string& uid, std::optional<int64_t> grace_seconds = std::nullopt);
  // Stops the pod if needed, then removes namespaces, cgroups and the pod directory.
  Status remove_pod(const std::string& uid);

  Result<std::vector<PodStatus>> list() const;
  Result<PodStatus> status(const std::string& uid) const;
  // Finds a pod by uid, or by name when exactly one pod has it.
  Result<std::string> resolve(const std::string& uid_or_name) const;
  // The CRI log file of a container (the current one; rotated ones are <path>.1 ...).
  std::string log_path(const std::string& uid, const std::string& container) const;
  // The log of the container's previous run (`kubectl logs --previous`), rotated ones beside it.
  std::string previous_log_path(const std::string& uid, const std::string& container) const;
  // The pod's network namespace file; "" for hostNetwork pods (or no such pod).
  std::string netns_path(const std::string& uid) const;
  // Runs a process in a running container and waits for its exit code.
  Result<int> exec(const std::string& uid, const std::string& container, const ExecRequest& request);
  // Runs a process with a terminal: returns the pty's primary side and the connection on which
  // the shim sends {"exit_code"} when the process ends (stdio fds in `request` are ignored).
  struct TtyExec {
    shim::UniqueFd pty, connection;
  };
  Result<TtyExec> exec_tty(const std::string& uid, const std::string& container, const ExecRequest& request);
  // Attaches to a running container: its output (stdout and stderr together, raw, as the shim
  // relays it) on `output` until the container ends, and its stdin write end when the container
  // was started with stdin open (else empty).
  struct Attached {
    shim::UniqueFd output, stdin_fd;
  };
  Result<Attached> attach(const std::string& uid, const std::string& container);

  // Cgroup path of a pod (relative to the hierarchies' mount points).
  std::string pod_cgroup(const PodSpec& spec) const;

 private:
  Status start_container(const std::string& dir, const PodSpec& spec, const ContainerSpec& c);
  RuntimeConfig config_;
};

// Reads the CRI log file(s) of a container, oldest first, and returns the content of the lines
// (timestamps and stream tags removed, partial lines joined).
Result<std::string> read_cri_log(const std::string& path, bool include_rotated);

}  // namespace mk::runtime::pod
