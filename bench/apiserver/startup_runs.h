#pragma once
// Start-up on an existing data dir: the server is started, timed to serving and stopped again,
// several times over; the figure is the median.

#include <cstddef>
#include <vector>

#include "server_process.h"

namespace mk::apibench {

struct StartupRun {
  std::vector<double> ready_ms;  // to /readyz 200, one per start
  std::vector<double> api_ms;    // to the first authenticated 200
  double median_ready_ms = 0;
  double median_api_ms = 0;
};

// Starts `base` (its label suffixed with the run number) `restarts` times, one after another.
Result<StartupRun> run_restarts(const bench::ServerSpec& base, size_t restarts);

double median(std::vector<double> values);

}  // namespace mk::apibench
