#include "startup_runs.h"

#include <algorithm>
#include <thread>

#include "interrupt.h"

namespace mk::apibench {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

Result<StartupRun> run_restarts(const bench::ServerSpec& base, size_t restarts) {
  StartupRun run;
  for (size_t i = 0; i < restarts; ++i) {
    if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
    bench::ServerSpec spec = base;
    spec.label = base.label + "-" + std::to_string(i + 1);
    auto server = bench::ServerProcess::start(spec);
    if (!server) return server.error();
    run.ready_ms.push_back(server->ready_ms());
    run.api_ms.push_back(server->api_ms());
    server->stop();
    // A moment for the exited process's pages to be given back, so starts do not overlap in
    // memory or CPU with the previous shutdown.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  run.median_ready_ms = median(run.ready_ms);
  run.median_api_ms = median(run.api_ms);
  return run;
}

}  // namespace mk::apibench
