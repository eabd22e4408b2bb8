#pragma once
// Turns both sides' results into the report: one row per figure, the ratio, and whether the
// issue's target is met.

#include <string>

#include "bench_options.h"
#include "machine_info.h"
#include "report_table.h"
#include "side_runner.h"

namespace mk::bench {

// etcd is null when it was skipped.
Report build_report(const BenchPlan& plan, const MachineInfo& machine, const std::string& data_dir,
                    const SideResults& ours, const SideResults* etcd);

}  // namespace mk::bench
