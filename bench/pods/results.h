#pragma once
// What pods_bench measured on each side, filled by minikube_runs and podman_runs and printed by
// report.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::podbench {

// Pod start latencies of one side, one sample per pod, in the order the pods were made.
struct LatencySeries {
  size_t wanted = 0;
  std::vector<int64_t> samples_ns;
  std::optional<Error> error;  // what ended the series early
  bool budget_hit = false;     // stopped at the phase's time budget
};

// Where minikube's create-to-Running time went, per pod (nanoseconds). The middle steps come
// from the kubelet's log lines (millisecond timestamps): "created pod" once the runtime made the
// sandbox and shim, "started container" once the container runs.
struct Breakdown {
  std::vector<int64_t> create_to_bound;     // POST until the watch shows spec.nodeName
  std::vector<int64_t> bound_to_sandbox;    // until the kubelet logs "created pod"
  std::vector<int64_t> sandbox_to_started;  // until it logs "started container"
  std::vector<int64_t> started_to_running;  // until the watch shows phase Running
};

struct MinikubeResults {
  bool ran = false;
  std::optional<Error> error;  // set-up or a reading failed
  double ready_ms = 0;         // server start until its agent joined
  LatencySeries latency;
  Breakdown breakdown;
  int64_t idle_rss = -1;  // server + agent, no pods
  int idle_threads = 0;
  int64_t loaded_rss = -1;  // with the pods running
  int loaded_threads = 0;
  size_t running_pods = 0;
  size_t shims = 0;
  int64_t shim_rss_total = -1;
  int64_t shim_pss_total = -1;
  double cpu_window_s = 0;
  double cpu_percent = -1;       // the minikube process, % of one core
  double shims_cpu_percent = -1;  // all shims together
  double stop_ms = -1;            // SIGTERM until the server exited, with the pods running
  bool stop_killed = false;       // it did not exit within the grace period
};

struct PodmanResults {
  bool ran = false;
  std::string skipped;         // why the side did not run
  std::string version;
  std::optional<Error> error;  // set-up failed
  LatencySeries latency;
  size_t verified_running = 0;  // pods' containers podman ps shows running at the end
  size_t conmons = 0;
  int64_t conmon_rss_total = -1;
  int64_t conmon_pss_total = -1;
};

}  // namespace mk::podbench
