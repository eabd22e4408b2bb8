#pragma once
// Command line of store_bench and the sizes of each measurement that follow from it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::bench {

struct BenchOptions {
  bool quick = false;      // shorter runs, for a smoke check
  bool skip_etcd = false;  // our store only
  bool help = false;
  bool debug = false;
  std::string out;  // also write the table here
  std::string dir;  // parent of the temporary directories (default: the system temp dir)
};

struct BenchPlan {
  // Durable writes: each writer creates, then updates, its own keys.
  std::vector<size_t> writer_counts = {1, 8, 64};
  std::chrono::milliseconds write_duration{2000};
  int64_t max_writes_per_writer = 1'000'000;
  size_t keys_per_writer = 100;
  size_t value_bytes = 200;
  // One full range read after loading range_keys keys.
  size_t range_keys = 10'000;
  size_t range_repeats = 7;
  // Put-to-event latency.
  size_t watch_events_one = 500;  // with one watcher
  size_t many_watchers = 1'000;
  size_t watch_events_many = 100;  // with many_watchers
  size_t consumer_threads = 2;     // threads draining the watchers, on both sides
  std::chrono::milliseconds event_deadline{2000};  // per put, for every watcher to have it
  std::chrono::seconds watch_budget{60};            // per run; stops early past it
  // Database size after churn.
  size_t size_keys = 1'000;
  size_t size_puts = 100'000;
  size_t size_value_bytes = 100;
  size_t batch = 100;  // puts per loading transaction (etcd allows 128)
};

extern const char* const kUsage;

Result<BenchOptions> parse_options(int argc, char** argv);
BenchPlan make_plan(const BenchOptions& options);

}  // namespace mk::bench
