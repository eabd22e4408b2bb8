#include "watch_fanout.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

#include "configmaps.h"
#include "interrupt.h"
#include "proc_stats.h"
#include "watch_streams.h"

namespace mk::apibench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kWarmupDeadline = std::chrono::seconds(60);
constexpr std::string_view kNameMarker = "\"name\":\"fanout-";

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string event_name(size_t seq) {
  char name[32];
  std::snprintf(name, sizeof(name), "fanout-%06zu", seq);
  return name;
}

// Shared by the creating thread and the reader threads. Slot `events` is the warm-up create.
struct Probe {
  Probe(size_t watchers, size_t events)
      : watchers(watchers), events(events), created_ns(events + 1), received(events + 1),
        samples(watchers * events) {}

  // Finds which create an event line is about by the object's name alone: parsing 1,000 copies
  // of every event as JSON would put the client's cost into the latencies.
  void on_line(std::string_view line, int64_t received_ns) {
    size_t at = line.find(kNameMarker);
    if (at == std::string_view::npos) return;
    std::string_view rest = line.substr(at + kNameMarker.size());
    size_t seq = events;  // "fanout-warmup"
    if (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
      seq = 0;
      for (size_t i = 0; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) seq = seq * 10 + (rest[i] - '0');
      if (seq >= events) return;
      size_t slot = next_sample.fetch_add(1);
      if (slot < samples.size()) samples[slot] = received_ns - created_ns[seq].load();
    }
    if (received[seq].fetch_add(1) + 1 == watchers) {
      std::lock_guard<std::mutex> lock(mu);
      cv.notify_all();
    }
  }

  bool all_have(size_t seq, std::chrono::steady_clock::duration wait) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, wait, [&] { return received[seq].load() >= watchers; });
  }

  const size_t watchers;
  const size_t events;
  std::vector<std::atomic<int64_t>> created_ns;
  std::vector<std::atomic<size_t>> received;
  std::vector<int64_t> samples;
  std::atomic<size_t> next_sample{0};
  std::mutex mu;
  std::condition_variable cv;
};

Status create(bench::ApiClient& writer, const std::string& ns, const std::string& name, size_t payload_bytes) {
  auto reply = writer.post_json(configmaps_path(ns), configmap_json(name, payload_bytes));
  if (!reply) return reply.error();
  if (reply->status != 201) return bench::http_error("create " + name, *reply);
  return Status::ok();
}

}  // namespace

Result<FanoutRun> run_fanout(const bench::TlsMaterial& tls, int port, pid_t server_pid, bench::ApiClient& writer,
                             const Plan& plan, const std::string& ns) {
  if (Status s = bench::ensure_namespace(writer, ns); !s) return s.error();
  auto rv = bench::list_resource_version(writer, configmaps_path(ns));
  if (!rv) return rv.error();
  const std::string path = configmaps_path(ns) + "?watch=true&resourceVersion=" + *rv;

  Probe probe(plan.watchers, plan.watch_events);
  auto opening = Clock::now();
  auto group = bench::WatchStreams::open(tls, port, path, plan.watchers, plan.watch_threads,
                                  [&probe](size_t, std::string_view line, int64_t at) { probe.on_line(line, at); });
  if (!group) return group.error().wrap("open " + std::to_string(plan.watchers) + " watches");

  // A watch counts as open once it has delivered an event: the warm-up create proves every
  // stream live before anything is timed.
  if (Status s = create(writer, ns, "fanout-warmup", plan.payload_bytes); !s) return s.error();
  auto warm_deadline = Clock::now() + kWarmupDeadline;
  while (!probe.all_have(plan.watch_events, std::chrono::milliseconds(100))) {
    if (Status s = (*group)->health(); !s) return s.error();
    if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (Clock::now() > warm_deadline) {
      return make_error(Errc::unavailable, "only " + std::to_string(probe.received[plan.watch_events].load()) +
                                               " of " + std::to_string(plan.watchers) +
                                               " watchers saw the warm-up create in time");
    }
  }
  FanoutRun run;
  run.watchers = plan.watchers;
  run.requested = plan.watch_events;
  run.open_seconds = std::chrono::duration<double>(Clock::now() - opening).count();
  if (auto mem = bench::read_memory(server_pid)) run.rss_with_watchers = mem->rss_bytes;
  if (auto open = open_watch_count(writer)) run.server_open_watches = *open;

  Status failure;
  auto stop_at = Clock::now() + plan.watch_budget;
  for (size_t seq = 0; seq < plan.watch_events && !bench::interrupted(); ++seq) {
    if (Clock::now() > stop_at) break;
    std::string name = event_name(seq);
    probe.created_ns[seq].store(now_ns());
    if (Status s = create(writer, ns, name, plan.payload_bytes); !s) {
      failure = s;
      break;
    }
    ++run.events;
    probe.all_have(seq, plan.event_deadline);
    if (Status s = (*group)->health(); !s) {
      failure = s;
      break;
    }
  }
  group->reset();  // stops the readers: the samples are ours alone from here
  if (!failure) return failure.error();
  if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");

  size_t got = std::min(probe.next_sample.load(), probe.samples.size());
  probe.samples.resize(got);
  run.missing = run.watchers * run.events > got ? run.watchers * run.events - got : 0;
  run.latency = bench::summarize(probe.samples);
  return run;
}

}  // namespace mk::apibench
