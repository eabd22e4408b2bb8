#pragma once
// The memory of one pod's shim: a pod running busybox sleep is started with
// `minikube runtime run -d`, its shim found through `runtime ps --json` (and checked to be a
// minikube-shim serving our data dir), its VmRSS and Pss read, then the pod removed.

#include <cstdint>
#include <optional>

#include "cli_runs.h"
#include "common/error.h"

namespace mk::rtbench {

struct ShimMemory {
  int64_t rss_bytes = 0;  // VmRSS from /proc/<pid>/status
  int64_t pss_bytes = 0;  // Pss from /proc/<pid>/smaps_rollup (shared pages split among sharers)
  int pid = 0;
};

Result<ShimMemory> measure_shim_memory(const CliSide& side, const Plan& plan);

}  // namespace mk::rtbench
