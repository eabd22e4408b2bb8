#include "latency_stats.h"

#include <algorithm>
#include <cmath>

namespace mk::bench {

int64_t percentile(const std::vector<int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty()) return 0;
  double rank = std::ceil(p / 100.0 * static_cast<double>(sorted_ns.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted_ns[std::min(index, sorted_ns.size() - 1)];
}

LatencySummary summarize(std::vector<int64_t>& samples_ns) {
  std::sort(samples_ns.begin(), samples_ns.end());
  LatencySummary s;
  s.samples = samples_ns.size();
  if (samples_ns.empty()) return s;
  s.p50_ms = static_cast<double>(percentile(samples_ns, 50)) / 1e6;
  s.p99_ms = static_cast<double>(percentile(samples_ns, 99)) / 1e6;
  s.max_ms = static_cast<double>(samples_ns.back()) / 1e6;
  return s;
}

}  // namespace mk::bench
