#include "load_runs.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "configmaps.h"
#include "interrupt.h"
#include "proc_stats.h"

namespace mk::apibench {
namespace {

using Clock = std::chrono::steady_clock;

// A client whose connection keeps failing has stopped measuring anything.
constexpr size_t kMaxConsecutiveFailures = 100;

struct ClientResult {
  size_t ok = 0;
  size_t failed = 0;
  std::vector<int64_t> latencies_ns;
  std::optional<Error> error;
  Clock::time_point ended;
};

// Holds every client at the line until all have connected, then lets them go at once.
class StartLine {
 public:
  // on_start runs once, as the clients are let go (it takes the CPU readings).
  StartLine(size_t clients, std::function<void()> on_start)
      : waiting_(clients), on_start_(std::move(on_start)) {}
  // Returns the common start time, or nullopt when another client gave up.
  std::optional<Clock::time_point> arrive(bool ready) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ready) failed_ = true;
    if (--waiting_ == 0) {
      on_start_();
      start_ = Clock::now();
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return waiting_ == 0; });
    }
    if (failed_) return std::nullopt;
    return start_;
  }
  // Valid once every client has arrived.
  Clock::time_point start() const { return start_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t waiting_;
  std::function<void()> on_start_;
  bool failed_ = false;
  Clock::time_point start_;
};

void client_loop(const bench::TlsMaterial& tls, int port, const LoadSpec& spec, size_t c, StartLine& line,
                 std::atomic<size_t>& shared_index, ClientResult& out) {
  auto client = bench::ApiClient::connect(tls, port);
  Status warm = client ? Status::ok() : Status(client.error());
  if (client) {
    auto reply = client->get("/api/v1/namespaces/default");
    if (!reply) warm = reply.error();
    else if (reply->status != 200) warm = bench::http_error("warm-up GET", *reply);
  }
  if (!warm) out.error = warm.error().wrap("client " + std::to_string(c));
  auto start = line.arrive(static_cast<bool>(warm));
  if (!start) {
    out.ended = Clock::now();
    return;
  }
  auto stop_at = *start + spec.duration;
  out.latencies_ns.reserve(std::min<size_t>(spec.max_ops_per_client, 1 << 16));
  size_t consecutive_failures = 0;
  for (size_t i = 0; i < spec.max_ops_per_client && !bench::interrupted(); ++i) {
    auto t0 = Clock::now();
    if (t0 >= stop_at) break;
    size_t index = i;
    if (spec.total_ops != 0) {
      index = shared_index.fetch_add(1);
      if (index >= spec.total_ops) break;
    }
    Status s = spec.op(*client, c, index);
    auto t1 = Clock::now();
    if (s) {
      ++out.ok;
      consecutive_failures = 0;
      out.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    } else {
      ++out.failed;
      if (!out.error) out.error = s.error().wrap("client " + std::to_string(c));
      if (++consecutive_failures >= kMaxConsecutiveFailures) break;
    }
  }
  out.ended = Clock::now();
}

}  // namespace

Result<LoadRun> run_load(const bench::TlsMaterial& tls, int port, pid_t server_pid, const LoadSpec& spec) {
  std::vector<ClientResult> results(spec.clients);
  std::optional<double> server_cpu_before;
  double bench_cpu_before = 0;
  StartLine line(spec.clients, [&] {
    if (auto cpu = bench::read_cpu_seconds(server_pid)) server_cpu_before = *cpu;
    bench_cpu_before = bench::self_cpu_seconds();
  });
  std::atomic<size_t> shared_index{0};
  std::vector<std::thread> threads;
  threads.reserve(spec.clients);
  for (size_t c = 0; c < spec.clients; ++c) {
    threads.emplace_back([&, c] { client_loop(tls, port, spec, c, line, shared_index, results[c]); });
  }
  for (auto& t : threads) t.join();
  auto server_cpu_after = bench::read_cpu_seconds(server_pid);
  double bench_cpu_after = bench::self_cpu_seconds();

  LoadRun run;
  run.clients = spec.clients;
  std::vector<int64_t> all;
  Clock::time_point last_end = line.start();
  for (auto& r : results) {
    run.ok += r.ok;
    run.failed += r.failed;
    if (r.error && !run.first_error) run.first_error = r.error;
    all.insert(all.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    last_end = std::max(last_end, r.ended);
  }
  if (run.ok == 0) {
    if (run.first_error) return *run.first_error;
    return make_error(Errc::cancelled, "no request completed");
  }
  run.latency = bench::summarize(all);
  run.seconds = std::chrono::duration<double>(last_end - line.start()).count();
  run.per_second = run.seconds > 0 ? static_cast<double>(run.ok) / run.seconds : 0;
  if (server_cpu_before && server_cpu_after) run.server_cpu_seconds = *server_cpu_after - *server_cpu_before;
  run.bench_cpu_seconds = bench_cpu_after - bench_cpu_before;
  return run;
}

std::function<Status(bench::ApiClient&, size_t, size_t)> create_op(const std::string& ns, const std::string& prefix,
                                                            size_t payload_bytes) {
  const std::string path = configmaps_path(ns);
  return [=](bench::ApiClient& client, size_t c, size_t i) -> Status {
    std::string name = prefix + "-" + std::to_string(c) + "-" + std::to_string(i);
    auto reply = client.post_json(path, configmap_json(name, payload_bytes));
    if (!reply) return reply.error();
    if (reply->status != 201) return bench::http_error("create " + name, *reply);
    return Status::ok();
  };
}

std::function<Status(bench::ApiClient&, size_t, size_t)> fill_op(const std::string& ns, const std::string& prefix,
                                                          size_t payload_bytes) {
  const std::string path = configmaps_path(ns);
  return [=](bench::ApiClient& client, size_t, size_t i) -> Status {
    std::string name = prefix + "-" + std::to_string(i);
    auto reply = client.post_json(path, configmap_json(name, payload_bytes));
    if (!reply) return reply.error();
    if (reply->status != 201) return bench::http_error("create " + name, *reply);
    return Status::ok();
  };
}

std::function<Status(bench::ApiClient&, size_t, size_t)> get_op(const std::string& ns, std::vector<std::string> names) {
  auto paths = std::make_shared<std::vector<std::string>>();
  for (const auto& n : names) paths->push_back(configmaps_path(ns) + "/" + n);
  return [paths](bench::ApiClient& client, size_t c, size_t i) -> Status {
    if (paths->empty()) return make_error(Errc::invalid_argument, "no names to get");
    // Clients start at different names so they do not read in lockstep.
    const std::string& path = (*paths)[(c * 7919 + i) % paths->size()];
    auto reply = client.get(path);
    if (!reply) return reply.error();
    if (reply->status != 200) return bench::http_error("GET " + path, *reply);
    return Status::ok();
  };
}

}  // namespace mk::apibench
