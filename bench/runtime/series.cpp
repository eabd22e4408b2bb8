#include "series.h"

#include <algorithm>
#include <chrono>

#include "interrupt.h"
#include "latency_stats.h"

namespace mk::rtbench {

double Series::median_ms() const { return static_cast<double>(bench::percentile(samples_ns, 50)) / 1e6; }
double Series::p90_ms() const { return static_cast<double>(bench::percentile(samples_ns, 90)) / 1e6; }

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Series run_series(const Plan& plan, size_t runs, const std::function<Result<int64_t>()>& once) {
  Series s;
  s.ran = true;
  auto deadline = std::chrono::steady_clock::now() + plan.budget;
  while (s.samples_ns.size() < runs && !bench::interrupted()) {
    auto r = once();
    if (!r) {
      s.error = r.error();
      break;
    }
    s.samples_ns.push_back(*r);
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  std::sort(s.samples_ns.begin(), s.samples_ns.end());
  return s;
}

}  // namespace mk::rtbench
