#include "write_bench.h"

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "interrupt.h"
#include "payload.h"

namespace mk::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One writer's loop: key i is created on its first visit and updated afterwards.
Result<int64_t> write_loop(StoreSession& session, const std::string& prefix,
                           const BenchPlan& plan, Clock::time_point deadline) {
  std::vector<int64_t> mod_revision(plan.keys_per_writer, 0);
  const std::string value = make_value("bench-write-", plan.value_bytes);
  int64_t done = 0;
  while (done < plan.max_writes_per_writer && Clock::now() < deadline && !interrupted()) {
    size_t i = static_cast<size_t>(done) % plan.keys_per_writer;
    std::string key = prefix + "k" + std::to_string(i);
    auto revision = mod_revision[i] == 0 ? session.create(key, value)
                                         : session.update(key, value, mod_revision[i]);
    if (!revision) return revision.error().wrap(key);
    mod_revision[i] = *revision;
    ++done;
  }
  return done;
}

}  // namespace

Result<WriteRun> run_writes(BenchTarget& target, size_t writers, const BenchPlan& plan,
                            const std::string& prefix) {
  std::vector<std::unique_ptr<StoreSession>> sessions;
  for (size_t w = 0; w < writers; ++w) {
    auto session = target.session();
    if (!session) return session.error();
    sessions.push_back(std::move(*session));
  }
  std::atomic<int64_t> total{0};
  std::mutex error_mu;
  std::optional<Error> first_error;
  std::latch start(1);
  Clock::time_point deadline;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      start.wait();
      auto n = write_loop(*sessions[w], prefix + "w" + std::to_string(w) + "/", plan, deadline);
      if (n) {
        total.fetch_add(*n);
      } else {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!first_error) first_error = n.error();
      }
    });
  }
  auto begin = Clock::now();
  deadline = begin + plan.write_duration;
  start.count_down();
  for (auto& t : threads) t.join();
  auto end = Clock::now();
  if (first_error) return *first_error;
  if (interrupted()) return make_error(Errc::cancelled, "interrupted");
  WriteRun run;
  run.writers = writers;
  run.writes = total.load();
  run.seconds = std::chrono::duration<double>(end - begin).count();
  run.per_second = run.seconds > 0 ? static_cast<double>(run.writes) / run.seconds : 0;
  return run;
}

}  // namespace mk::bench
