#pragma once
// Closed-loop request load: N client threads, each with its own keep-alive HTTPS connection,
// issue one request after another until a time limit (or a shared count) is reached.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api_client.h"
#include "latency_stats.h"
#include "tls_material.h"

namespace mk::apibench {

struct LoadSpec {
  size_t clients = 1;
  std::chrono::milliseconds duration{3000};
  size_t max_ops_per_client = 200'000;
  // When non-zero, the clients stop once this many requests have been issued among them.
  size_t total_ops = 0;
  // Request number `index` (per client, or shared when total_ops is set) of client `client`.
  std::function<Status(bench::ApiClient&, size_t client, size_t index)> op;
};

struct LoadRun {
  size_t clients = 0;
  size_t ok = 0;
  size_t failed = 0;
  double seconds = 0;  // from the common start to the last client's end
  double per_second = 0;
  bench::LatencySummary latency;
  double server_cpu_seconds = 0;  // used by the server during the run
  double bench_cpu_seconds = 0;   // used by this benchmark (the clients) during the run
  std::optional<Error> first_error;
};

// Connections are made and warmed (one authenticated GET) before the clock starts.
Result<LoadRun> run_load(const bench::TlsMaterial& tls, int port, pid_t server_pid, const LoadSpec& spec);

// Op: create ConfigMap <prefix>-<client>-<index> in ns (expects 201).
std::function<Status(bench::ApiClient&, size_t, size_t)> create_op(const std::string& ns, const std::string& prefix,
                                                            size_t payload_bytes);
// Op: create ConfigMap <prefix>-<index> in ns (for shared counts).
std::function<Status(bench::ApiClient&, size_t, size_t)> fill_op(const std::string& ns, const std::string& prefix,
                                                          size_t payload_bytes);
// Op: get names[(client * 7919 + index) % names.size()] in ns (expects 200).
std::function<Status(bench::ApiClient&, size_t, size_t)> get_op(const std::string& ns, std::vector<std::string> names);

}  // namespace mk::apibench
