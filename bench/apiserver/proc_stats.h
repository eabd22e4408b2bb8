#pragma once
// What /proc says about a process: resident memory, its peak, threads and CPU time.

#include <sys/types.h>

#include <cstdint>

#include "common/error.h"

namespace mk::apibench {

struct ProcMemory {
  int64_t rss_bytes = 0;   // VmRSS
  int64_t peak_bytes = 0;  // VmHWM
  int threads = 0;
};

Result<ProcMemory> read_memory(pid_t pid);
// utime + stime of every thread, in seconds.
Result<double> read_cpu_seconds(pid_t pid);
// The same for this process (all its threads).
double self_cpu_seconds();

}  // namespace mk::apibench
