#pragma once
// Put-to-event latency: W watchers on one prefix; one writer updates a key under it, noting the
// time just before each put call; each watcher's consumer notes when the event reaches it. The
// next put waits until every watcher has the previous event (or a deadline passes), so the
// figures are per-event latencies, not queueing behind earlier events.

#include <cstddef>
#include <string>

#include "bench_options.h"
#include "bench_target.h"
#include "latency_stats.h"

namespace mk::bench {

struct WatchRun {
  size_t watchers = 0;
  size_t events = 0;    // puts made (fewer than asked if the time budget ran out)
  size_t requested = 0;  // puts asked for
  LatencySummary latency;
  size_t missing = 0;  // deliveries that did not arrive before the run ended
};

Result<WatchRun> run_watch(BenchTarget& target, size_t watchers, size_t events,
                           const BenchPlan& plan, const std::string& prefix);

}  // namespace mk::bench
