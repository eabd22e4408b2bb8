#include "side_runner.h"

#include "common/log.h"
#include "interrupt.h"

namespace mk::bench {
namespace {

template <typename T>
void log_failure(const std::string& side, const char* what, const Result<T>& r) {
  if (!r) MK_LOG(warn) << "bench: " << side << " " << what << ": " << r.error().message;
}

}  // namespace

SideResults run_side(const std::string& name, const TargetFactory& open, const BenchPlan& plan,
                     const std::string& parent) {
  SideResults results;
  results.name = name;
  {
    auto target = open(parent);
    if (!target) {
      results.setup_error = target.error();
      return results;
    }
    BenchTarget& t = **target;
    results.description = t.describe();
    for (size_t i = 0; i < plan.writer_counts.size() && !interrupted(); ++i) {
      size_t writers = plan.writer_counts[i];
      MK_LOG(info) << "bench: " << name << ": durable writes, " << writers
                 << (writers == 1 ? " writer" : " writers");
      results.writes.emplace_back(
          run_writes(t, writers, plan, "/bench/writes/run" + std::to_string(i) + "/"));
      log_failure(name, "writes", *results.writes.back());
    }
    if (interrupted()) return results;
    MK_LOG(info) << "bench: " << name << ": range of " << plan.range_keys << " keys";
    results.range = run_range(t, plan, "/bench/range/");
    log_failure(name, "range", *results.range);
    if (interrupted()) return results;
    MK_LOG(info) << "bench: " << name << ": watch latency, 1 watcher";
    results.watch_one = run_watch(t, 1, plan.watch_events_one, plan, "/bench/watch1/");
    log_failure(name, "watch", *results.watch_one);
    if (interrupted()) return results;
    MK_LOG(info) << "bench: " << name << ": watch latency, " << plan.many_watchers << " watchers";
    results.watch_many =
        run_watch(t, plan.many_watchers, plan.watch_events_many, plan, "/bench/watchN/");
    log_failure(name, "watch", *results.watch_many);
  }
  if (interrupted()) return results;
  MK_LOG(info) << "bench: " << name << ": size after " << plan.size_puts << " puts (fresh store)";
  auto fresh = open(parent);
  if (!fresh) {
    results.size = fresh.error();
  } else {
    results.size = run_size(**fresh, plan, "/bench/size/");
  }
  log_failure(name, "size", *results.size);
  return results;
}

}  // namespace mk::bench
