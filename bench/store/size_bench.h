#pragma once
// Database size under churn: P puts spread over K keys, then the size as the backend reports
// it before compaction, after compacting at the current revision, and after a separate
// defragmentation where the backend has one. Run on a fresh store.

#include <cstdint>
#include <optional>
#include <string>

#include "bench_options.h"
#include "bench_target.h"

namespace mk::bench {

struct SizeRun {
  int64_t puts = 0;
  int64_t keys = 0;
  int64_t live_bytes = 0;  // keys plus values of the live data
  int64_t after_writes = 0;
  int64_t after_compaction = 0;
  std::optional<int64_t> after_defrag;  // absent where compaction already returns the space
};

Result<SizeRun> run_size(BenchTarget& target, const BenchPlan& plan, const std::string& prefix);

}  // namespace mk::bench
