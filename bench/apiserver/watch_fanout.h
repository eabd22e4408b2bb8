#pragma once
// Watch fan-out: N watch streams on one namespace's ConfigMaps, then ConfigMaps created one at
// a time; each delivery's latency runs from just before the create call to the moment a reader
// thread has the event's bytes.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "api_client.h"
#include "latency_stats.h"
#include "options.h"
#include "tls_material.h"

namespace mk::apibench {

struct FanoutRun {
  size_t watchers = 0;
  size_t events = 0;     // creates made
  size_t requested = 0;  // creates planned (fewer when the time budget ran out)
  size_t missing = 0;    // deliveries that never came
  bench::LatencySummary latency;
  double open_seconds = 0;          // to open every stream and see the warm-up event on all
  int64_t rss_with_watchers = 0;    // server VmRSS with every stream open
  long server_open_watches = -1;    // the server's /metrics count then (-1: unknown)
};

Result<FanoutRun> run_fanout(const bench::TlsMaterial& tls, int port, pid_t server_pid, bench::ApiClient& writer,
                             const Plan& plan, const std::string& ns);

}  // namespace mk::apibench
