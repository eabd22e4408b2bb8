#include "watch_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "interrupt.h"
#include "payload.h"

namespace mk::bench {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string seq_tag(size_t seq) {
  char tag[32];
  std::snprintf(tag, sizeof(tag), "seq=%08zu;", seq);
  return tag;
}

// Shared between the writer and the consumer threads.
struct Probe {
  Probe(size_t watchers, size_t events)
      : watchers(watchers), put_ns(events), received(events), samples(watchers * events) {}

  void on_event(std::string_view value) {
    int64_t at = now_ns();
    if (value.size() < 12 || value.substr(0, 4) != "seq=") return;
    size_t seq = std::strtoul(std::string(value.substr(4, 8)).c_str(), nullptr, 10);
    if (seq >= put_ns.size()) return;
    size_t slot = next_sample.fetch_add(1);
    if (slot < samples.size()) samples[slot] = at - put_ns[seq].load();
    if (received[seq].fetch_add(1) + 1 == watchers) {
      std::lock_guard<std::mutex> lock(mu);
      cv.notify_all();
    }
  }

  const size_t watchers;
  std::vector<std::atomic<int64_t>> put_ns;
  std::vector<std::atomic<size_t>> received;
  std::vector<int64_t> samples;
  std::atomic<size_t> next_sample{0};
  std::mutex mu;
  std::condition_variable cv;
};

}  // namespace

Result<WatchRun> run_watch(BenchTarget& target, size_t watchers, size_t events,
                           const BenchPlan& plan, const std::string& prefix) {
  auto session = target.session();
  if (!session) return session.error();
  const std::string key = prefix + "key";
  // Created before the watches open, so only the updates below are delivered.
  auto revision = (*session)->create(key, make_value("created;", plan.value_bytes));
  if (!revision) return revision.error();

  Probe probe(watchers, events);
  auto group = target.watch_prefix(prefix, watchers, plan.consumer_threads,
                                   [&probe](size_t, std::string_view value) { probe.on_event(value); });
  if (!group) return group.error().wrap("open " + std::to_string(watchers) + " watches");

  Status failure;
  size_t done = 0;
  auto stop_at = std::chrono::steady_clock::now() + plan.watch_budget;
  for (size_t seq = 0; seq < events && !interrupted(); ++seq) {
    if (std::chrono::steady_clock::now() > stop_at) break;
    std::string value = make_value(seq_tag(seq), plan.value_bytes);
    probe.put_ns[seq].store(now_ns());
    revision = (*session)->update(key, value, *revision);
    if (!revision) {
      failure = revision.error();
      break;
    }
    ++done;
    std::unique_lock<std::mutex> lock(probe.mu);
    probe.cv.wait_for(lock, plan.event_deadline,
                      [&] { return probe.received[seq].load() >= watchers; });
    lock.unlock();
    if (Status s = (*group)->health(); !s) {
      failure = s;
      break;
    }
  }
  group->reset();  // stops the consumers: the samples are ours alone from here
  if (!failure) return failure.error();
  if (interrupted()) return make_error(Errc::cancelled, "interrupted");

  WatchRun run;
  run.watchers = watchers;
  run.events = done;
  run.requested = events;
  size_t got = std::min(probe.next_sample.load(), probe.samples.size());
  probe.samples.resize(got);
  run.missing = watchers * done > got ? watchers * done - got : 0;
  run.latency = summarize(probe.samples);
  return run;
}

}  // namespace mk::bench
