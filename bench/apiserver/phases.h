#pragma once
// The measurements, in order, and what each produced. Server A (new data dir) gives the first
// start, idle memory, creates, gets and watch fan-out; server B (another new data dir) is
// filled with ConfigMaps for the memory reading and then restarted for the start-up timing.
// A failed measurement is recorded and the rest still run.

#include <optional>
#include <string>
#include <vector>

#include "load_runs.h"
#include "options.h"
#include "proc_stats.h"
#include "startup_runs.h"
#include "watch_fanout.h"

namespace mk::apibench {

template <typename T>
using Slot = std::optional<Result<T>>;  // empty: not run

struct BenchResults {
  std::optional<Error> setup_error;
  Slot<double> first_start_ms;  // new data dir: PKI made, database created
  Slot<bench::ProcMemory> idle;
  std::vector<Slot<LoadRun>> creates;  // one per plan.client_counts entry
  std::vector<Slot<LoadRun>> gets;
  Slot<FanoutRun> fanout;
  Slot<bench::ProcMemory> after_load;  // server A once everything above is done
  // Watch streams the server reports open before the fan-out and after its clients closed.
  Slot<long> watches_before, watches_after;
  Slot<bench::ProcMemory> held;
  size_t held_count = 0;  // ConfigMaps actually created for the `held` reading
  Slot<StartupRun> restarts;
};

BenchResults run_phases(const Options& options, const Plan& plan, const std::string& work_dir);

// Raises the soft open-files limit to the hard one (the server inherits it); returns the limit.
size_t raise_open_files_limit();

}  // namespace mk::apibench
