#pragma once
// Runs every measurement against one backend: throughput, range and watch on one instance,
// the size measurement on a second, fresh one. A failed measurement is recorded and the others
// still run.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_options.h"
#include "bench_target.h"
#include "range_bench.h"
#include "size_bench.h"
#include "watch_bench.h"
#include "write_bench.h"

namespace mk::bench {

struct SideResults {
  std::string name;
  std::string description;  // BenchTarget::describe()
  std::optional<Error> setup_error;
  std::vector<std::optional<Result<WriteRun>>> writes;  // one per plan.writer_counts entry
  std::optional<Result<RangeRun>> range;
  std::optional<Result<WatchRun>> watch_one;
  std::optional<Result<WatchRun>> watch_many;
  std::optional<Result<SizeRun>> size;
};

using TargetFactory =
    std::function<Result<std::unique_ptr<BenchTarget>>(const std::string& parent)>;

SideResults run_side(const std::string& name, const TargetFactory& open, const BenchPlan& plan,
                     const std::string& parent);

}  // namespace mk::bench
