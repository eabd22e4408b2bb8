#pragma once
// What /proc says about a process: resident memory, its peak, threads and CPU time; and which
// processes of a program serve a given directory.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::bench {

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
// Proportional set size (Pss from smaps_rollup), in bytes.
Result<int64_t> read_pss_bytes(pid_t pid);
// Processes whose executable's file name is `exe_name` and whose command line contains
// `needle` (e.g. the per-run directory they serve), so only a run's own processes are found.
std::vector<pid_t> find_processes(const std::string& exe_name, const std::string& needle);

}  // namespace mk::bench
