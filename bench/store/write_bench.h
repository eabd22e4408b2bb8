#pragma once
// Durable write throughput: N writers, each with its own session and its own keys, create and
// then update (compare-and-swap on mod_revision) them for a fixed time.

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench_options.h"
#include "bench_target.h"

namespace mk::bench {

struct WriteRun {
  size_t writers = 0;
  int64_t writes = 0;
  double seconds = 0;
  double per_second = 0;
};

Result<WriteRun> run_writes(BenchTarget& target, size_t writers, const BenchPlan& plan,
                            const std::string& prefix);

}  // namespace mk::bench
