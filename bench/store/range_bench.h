#pragma once
// Full range read: load N keys under a prefix, then time reading them all back (with values).

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench_options.h"
#include "bench_target.h"

namespace mk::bench {

struct RangeRun {
  int64_t keys = 0;
  size_t repeats = 0;
  double median_ms = 0;
  double min_ms = 0;
};

// Writes `count` keys of `value_bytes` under prefix, in transactions of plan.batch puts.
Status load_keys(StoreSession& session, const std::string& prefix, size_t count,
                 size_t value_bytes, size_t batch);

Result<RangeRun> run_range(BenchTarget& target, const BenchPlan& plan, const std::string& prefix);

}  // namespace mk::bench
