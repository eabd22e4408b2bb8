#pragma once
// A timed series: one measurement repeated up to a count and a time budget; the first failure
// ends it and is kept for the report.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "options.h"

namespace mk::rtbench {

struct Series {
  std::vector<int64_t> samples_ns;  // sorted once the series is done
  std::optional<Error> error;
  bool ran = false;  // false: not attempted (a missing program, a skipped part)

  bool ok() const { return ran && !error && !samples_ns.empty(); }
  double median_ms() const;
  double p90_ms() const;
};

// Calls `once` (which returns the elapsed time of one run) until plan.runs samples are taken or
// plan.budget has passed, at least once, stopping early on an error or an interrupt.
Series run_series(const Plan& plan, size_t runs, const std::function<Result<int64_t>()>& once);

int64_t steady_now_ns();

}  // namespace mk::rtbench
