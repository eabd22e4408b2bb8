#pragma once
// The printed result: a Markdown table with the target and the k3s reference beside each of our
// figures, and notes on method and machine.

#include <string>

#include "machine_info.h"
#include "options.h"
#include "phases.h"

namespace mk::apibench {

struct RunContext {
  const Options& options;
  const Plan& plan;
  bench::MachineInfo machine;  // at the start
  double load_at_end = -1;
  std::string minikube_version;
};

// Returns the Markdown; `any_error` is set when a measurement failed.
std::string render_report(const RunContext& context, const BenchResults& results, bool& any_error);

}  // namespace mk::apibench
