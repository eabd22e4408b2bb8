#include "range_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "interrupt.h"
#include "payload.h"

namespace mk::bench {

Status load_keys(StoreSession& session, const std::string& prefix, size_t count,
                 size_t value_bytes, size_t batch) {
  KeyValues kvs;
  for (size_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "k%06zu", i);
    kvs.emplace_back(prefix + name, make_value("bench-range-", value_bytes));
    if (kvs.size() == batch || i + 1 == count) {
      if (interrupted()) return make_error(Errc::cancelled, "interrupted");
      if (Status s = session.put_batch(kvs); !s) return s.error().wrap("load " + prefix);
      kvs.clear();
    }
  }
  return Status::ok();
}

Result<RangeRun> run_range(BenchTarget& target, const BenchPlan& plan, const std::string& prefix) {
  auto session = target.session();
  if (!session) return session.error();
  if (Status s = load_keys(**session, prefix, plan.range_keys, plan.value_bytes, plan.batch); !s) {
    return s.error();
  }
  std::vector<double> times_ms;
  int64_t keys = 0;
  // The first read warms caches and connections and is not counted.
  for (size_t i = 0; i <= plan.range_repeats && !interrupted(); ++i) {
    auto begin = std::chrono::steady_clock::now();
    auto n = (*session)->range_prefix(prefix);
    auto end = std::chrono::steady_clock::now();
    if (!n) return n.error().wrap("range " + prefix);
    keys = *n;
    if (keys != static_cast<int64_t>(plan.range_keys)) {
      return make_error(Errc::internal, "range " + prefix + ": got " + std::to_string(keys) +
                                            " keys, want " + std::to_string(plan.range_keys));
    }
    if (i > 0) times_ms.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
  }
  if (times_ms.empty()) return make_error(Errc::cancelled, "interrupted");
  std::sort(times_ms.begin(), times_ms.end());
  RangeRun run;
  run.keys = keys;
  run.repeats = times_ms.size();
  run.median_ms = times_ms[times_ms.size() / 2];
  run.min_ms = times_ms.front();
  return run;
}

}  // namespace mk::bench
