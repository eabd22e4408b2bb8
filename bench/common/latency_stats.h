#pragma once
// Percentiles over samples in nanoseconds (nearest rank).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mk::bench {

struct LatencySummary {
  size_t samples = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// Sorts the samples in place.
LatencySummary summarize(std::vector<int64_t>& samples_ns);
// The p-th percentile (0 < p <= 100) of sorted samples.
int64_t percentile(const std::vector<int64_t>& sorted_ns, double p);

}  // namespace mk::bench
