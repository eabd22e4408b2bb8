#pragma once
// Helpers for the runtime's root tests: a temporary data dir with a busybox root filesystem, a
// per-run cgroup root removed afterwards, and running the minikube CLI as a child process.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "runtime/pod/runtime.h"

namespace mk::runtime::test {

bool is_root();

// <tmp>/mk-runtime-pod-XXXXXX with rootfs/ (busybox and its applets) and data/. On destruction
// every pod under data/ is removed through the runtime, then the cgroup root and the directory.
class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::string& dir() const { return dir_; }
  std::string rootfs() const { return dir_ + "/rootfs"; }
  std::string data_dir() const { return dir_ + "/data"; }
  const std::string& cgroup_root() const { return cgroup_root_; }
  pod::RuntimeConfig config() const;
  // The CLI flags that select this sandbox's data dir and cgroup root.
  std::vector<std::string> cli_flags() const;

 private:
  std::string dir_;
  std::string cgroup_root_;
};

// A pod with one busybox container running `sh -c script`.
pod::PodSpec shell_pod(const Sandbox& sb, const std::string& name, const std::string& script);

struct CliResult {
  int code = -1;
  std::string out, err;
};
// Runs $MINIKUBE_BIN with `args` and waits (killing it after `limit`).
CliResult run_cli(const std::vector<std::string>& args, std::chrono::seconds limit = std::chrono::seconds(60));
// Starts $MINIKUBE_BIN with `args`, output to /dev/null; returns its pid.
pid_t spawn_cli(const std::vector<std::string>& args);

// Polls `done` every few milliseconds until it holds or `limit` passes; returns its last value.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(20));

// Waits for a pod's container to reach the exited phase and returns its status.
shim::ContainerState wait_exited(pod::Runtime& rt, const std::string& uid, const std::string& container,
                                 std::chrono::milliseconds limit = std::chrono::seconds(20));

std::string read_file(const std::string& path);
// Mount points in this mount namespace at or below `prefix`.
std::vector<std::string> mounts_under(const std::string& prefix);
// Directories named `<cgroup-root>` under any cgroup hierarchy that still exist.
std::vector<std::string> cgroup_dirs(const std::string& relative);
// A field of /proc/<pid>/status in kB, e.g. "VmRSS" or "RssAnon" (0 when unknown).
long status_kb(pid_t pid, const std::string& field);

}  // namespace mk::runtime::test
