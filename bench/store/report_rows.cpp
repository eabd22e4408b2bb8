#include "report_rows.h"

#include <cstdio>
#include <functional>
#include <optional>

namespace mk::bench {
namespace {

// One side's figure for a row: the number (for ratios and targets) and its text.
struct Figure {
  std::optional<double> value;
  std::string text;
};

struct RowBuilder {
  RowBuilder(const BenchPlan& plan, const SideResults& ours, const SideResults* etcd, Report& report)
      : plan_(plan), ours_(ours), etcd_(etcd), report_(report) {}

  // Reads one figure out of a side's results; `pick` returns nullopt when the side has none.
  template <typename T>
  Figure figure(const SideResults* side, const std::optional<Result<T>>& slot, const char* what,
                const std::function<std::optional<double>(const T&)>& pick,
                const std::function<std::string(double)>& format) {
    if (side == nullptr) return {std::nullopt, "skipped"};
    if (side->setup_error) return {std::nullopt, "error"};
    if (!slot) return {std::nullopt, "not run"};
    if (!*slot) {
      note_error(side->name, what, slot->error());
      return {std::nullopt, "error"};
    }
    auto v = pick(slot->value());
    if (!v) return {std::nullopt, "n/a"};
    return {v, format(*v)};
  }

  ReportRow& add(const std::string& measurement, const Figure& ours, const Figure& etcd) {
    ReportRow row{measurement, ours.text, etcd.text, "—", ""};
    if (ours.value && etcd.value && *etcd.value > 0) row.ratio = format_ratio(*ours.value / *etcd.value);
    report_.rows.push_back(row);
    return report_.rows.back();
  }

  void note_error(const std::string& side, const char* what, const Error& error) {
    std::string line = side + ", " + what + ": " + std::string(errc_name(error.code)) + ": " +
                       error.message;
    for (const auto& n : report_.notes) {
      if (n == line) return;
    }
    report_.notes.push_back(line);
  }

  const BenchPlan& plan_;
  const SideResults& ours_;
  const SideResults* etcd_;
  Report& report_;
};

const std::optional<Result<WriteRun>>& write_slot(const SideResults* side, size_t i) {
  static const std::optional<Result<WriteRun>> none;
  if (side == nullptr || i >= side->writes.size()) return none;
  return side->writes[i];
}

std::string verdict(bool met) { return met ? "**met**" : "**missed**"; }

std::string rate(double v) { return format_count(v) + "/s"; }
std::string ms(double v) { return format_ms(v); }
std::string bytes(double v) { return format_bytes(static_cast<int64_t>(v)); }

void add_write_rows(RowBuilder& b) {
  const BenchPlan& plan = b.plan_;
  for (size_t i = 0; i < plan.writer_counts.size(); ++i) {
    size_t writers = plan.writer_counts[i];
    auto pick = [](const WriteRun& r) -> std::optional<double> { return r.per_second; };
    auto side_figure = [&](const SideResults* side) {
      return b.figure<WriteRun>(side, write_slot(side, i), "durable writes", pick, rate);
    };
    Figure ours = side_figure(&b.ours_);
    Figure etcd = side_figure(b.etcd_);
    std::string label = "Durable writes/s, " + std::to_string(writers) +
                        (writers == 1 ? " writer" : " writers");
    ReportRow& row = b.add(label, ours, etcd);
    if (writers == 64) {
      std::string t = "≥ 20,000/s: ";
      t += ours.value ? verdict(*ours.value >= 20'000) : "not measured";
      t += "; ≥ 5x etcd: ";
      t += ours.value && etcd.value ? verdict(*ours.value >= 5 * *etcd.value) : "not measured";
      row.target = t;
    }
  }
}

void add_range_row(RowBuilder& b) {
  auto pick = [](const RangeRun& r) -> std::optional<double> { return r.median_ms; };
  Figure ours = b.figure<RangeRun>(&b.ours_, b.ours_.range, "range", pick, ms);
  Figure etcd = b.etcd_ ? b.figure<RangeRun>(b.etcd_, b.etcd_->range, "range", pick, ms)
                        : Figure{std::nullopt, "skipped"};
  b.add("Range of " + format_count(static_cast<double>(b.plan_.range_keys)) + " keys (" +
            std::to_string(b.plan_.value_bytes) + " B values), median of " +
            std::to_string(b.plan_.range_repeats),
        ours, etcd);
}

void add_watch_rows(RowBuilder& b, bool many) {
  size_t watchers = many ? b.plan_.many_watchers : 1;
  std::string who = many ? format_count(static_cast<double>(watchers)) + " watchers" : "1 watcher";
  auto slot_of = [&](const SideResults& s) -> const std::optional<Result<WatchRun>>& {
    return many ? s.watch_many : s.watch_one;
  };
  for (int p : {50, 99}) {
    auto pick = [p](const WatchRun& r) -> std::optional<double> {
      if (r.latency.samples == 0) return std::nullopt;
      return p == 50 ? r.latency.p50_ms : r.latency.p99_ms;
    };
    Figure ours = b.figure<WatchRun>(&b.ours_, slot_of(b.ours_), "watch", pick, ms);
    Figure etcd = b.etcd_ ? b.figure<WatchRun>(b.etcd_, slot_of(*b.etcd_), "watch", pick, ms)
                          : Figure{std::nullopt, "skipped"};
    ReportRow& row = b.add("Watch put→event p" + std::to_string(p) + ", " + who, ours, etcd);
    if (many && p == 99) {
      std::string t = "≤ 1 ms at 1,000 watchers: ";
      if (watchers != 1000) {
        t += "not measured (this run has " + who + ")";
      } else if (!ours.value) {
        t += "not measured";
      } else {
        t += verdict(*ours.value <= 1.0);
      }
      row.target = t;
    }
  }
}

void add_size_rows(RowBuilder& b) {
  const BenchPlan& plan = b.plan_;
  const std::string churn = format_count(static_cast<double>(plan.size_puts)) + " puts to " +
                            format_count(static_cast<double>(plan.size_keys)) + " keys (" +
                            std::to_string(plan.size_value_bytes) + " B values)";
  auto size_figure = [&](const SideResults* side,
                         std::function<std::optional<double>(const SizeRun&)> pick) {
    if (side == nullptr) return Figure{std::nullopt, "skipped"};
    return b.figure<SizeRun>(side, side->size, "size", pick, bytes);
  };
  auto after_writes = [](const SizeRun& r) -> std::optional<double> {
    return static_cast<double>(r.after_writes);
  };
  auto after_compaction = [](const SizeRun& r) -> std::optional<double> {
    return static_cast<double>(r.after_compaction);
  };
  auto after_defrag = [](const SizeRun& r) -> std::optional<double> {
    if (!r.after_defrag) return static_cast<double>(r.after_compaction);
    return static_cast<double>(*r.after_defrag);
  };
  auto live = [](const SizeRun& r) -> std::optional<double> {
    return static_cast<double>(r.live_bytes);
  };
  b.add("DB size after " + churn, size_figure(&b.ours_, after_writes),
        size_figure(b.etcd_, after_writes));

  Figure ours_compacted = size_figure(&b.ours_, after_compaction);
  Figure live_bytes = size_figure(&b.ours_, live);
  ReportRow& row = b.add("DB size after compaction at the current revision", ours_compacted,
                         size_figure(b.etcd_, after_compaction));
  if (ours_compacted.value && live_bytes.value) {
    double times = *ours_compacted.value / *live_bytes.value;
    row.target = "≤ 2x live data: " + verdict(times <= 2.0) + " (" + format_ratio(times) + ")";
  } else {
    row.target = "≤ 2x live data: not measured";
  }
  Figure ours_final = size_figure(&b.ours_, after_defrag);
  if (ours_final.value) ours_final.text += " (no separate step)";
  b.add("DB size after compaction + defragment", ours_final, size_figure(b.etcd_, after_defrag));
  b.add("Live data (keys + values)", live_bytes, size_figure(b.etcd_, live));
}

}  // namespace

Report build_report(const BenchPlan& plan, const MachineInfo& machine, const std::string& data_dir,
                    const SideResults& ours, const SideResults* etcd) {
  Report report;
  report.preamble.push_back("## Datastore benchmark: minikube store vs etcd");
  report.preamble.push_back("");
  char load[32];
  std::snprintf(load, sizeof(load), "%.2f", machine.load_average);
  report.preamble.push_back("Machine: " + std::to_string(machine.cores) +
                            " cores, 1-minute load average " + load + " at the start; data under " +
                            data_dir + " (" + machine.fs_type + ", same file system for both).");
  if (!ours.description.empty()) report.preamble.push_back("minikube: " + ours.description + ".");
  if (etcd && !etcd->description.empty()) {
    report.preamble.push_back("etcd: " + etcd->description + ".");
  }
  RowBuilder b(plan, ours, etcd, report);
  for (const SideResults* side : {&ours, etcd}) {
    if (side && side->setup_error) b.note_error(side->name, "setup", *side->setup_error);
  }
  add_write_rows(b);
  add_range_row(b);
  add_watch_rows(b, false);
  add_watch_rows(b, true);
  add_size_rows(b);

  auto& notes = report.notes;
  if (machine.fsync_is_free) {
    notes.push_back("WARNING: the data directory is on " + machine.fs_type +
                    ", where fsync costs nothing; durable-write figures are not meaningful.");
  }
  notes.push_back("ratio = minikube ÷ etcd: above 1 is better for writes/s, below 1 is better "
                  "for times and sizes.");
  notes.push_back(
      "Writes: each writer has its own session (etcd: its own keep-alive HTTP connection) and " +
      std::to_string(plan.keys_per_writer) + " keys of " + std::to_string(plan.value_bytes) +
      " B, for " + format_count(static_cast<double>(plan.write_duration.count())) +
      " ms; a key is created with txn(mod_revision == 0) and then updated with "
      "txn(mod_revision == last), as the API server does.");
  notes.push_back(
      "Range: one read of every key under the prefix with values, decoding included (etcd: JSON "
      "and base64 of each key and value).");
  notes.push_back(
      "Watch: time taken just before the put call and when a consumer hands the event over; " +
      std::to_string(plan.consumer_threads) +
      " consumer threads on each side (ours: set_notify queues the watcher, take() drains it; "
      "etcd: one HTTP connection per watch, read with epoll, JSON parse and base64 decode "
      "included). The put is durable on both sides, so its commit is part of the latency. Each "
      "put waits (up to " + std::to_string(plan.event_deadline.count()) + " ms) until every "
      "watcher has the previous event.");
  if (etcd) {
    notes.push_back(
        "Every etcd figure goes through its JSON gateway (HTTP/1.1 and JSON, relayed by a gRPC "
        "client inside etcd). Native gRPC clients, as kube-apiserver uses, skip that step; it "
        "weighs most on the 1,000-watcher rows, where every event is turned into JSON once per "
        "watcher.");
  }
  if (machine.load_average > machine.cores) {
    notes.push_back("The machine was busy with other work (load above the core count): figures "
                    "vary from run to run, the latencies most.");
  }
  for (const SideResults* side : {&ours, etcd}) {
    if (!side) continue;
    for (const auto* slot : {&side->watch_one, &side->watch_many}) {
      if (*slot && **slot && (**slot)->events < (**slot)->requested) {
        notes.push_back(side->name + ": the " + std::to_string((**slot)->watchers) +
                        "-watcher run hit its time budget (" +
                        std::to_string(plan.watch_budget.count()) + " s) after " +
                        std::to_string((**slot)->events) + " of " +
                        std::to_string((**slot)->requested) + " puts.");
      }
      if (*slot && **slot && (**slot)->missing > 0) {
        notes.push_back(side->name + ": " + format_count(static_cast<double>((**slot)->missing)) +
                        " of " +
                        format_count(static_cast<double>((**slot)->watchers * (**slot)->events)) +
                        " deliveries missing with " + std::to_string((**slot)->watchers) +
                        " watchers (not in the percentiles).");
      }
    }
  }
  notes.push_back(
      "Size (fresh store each side): ours is stats().db_size_bytes (database + WAL) after "
      "compact(current revision); etcd is dbSize from /v3/maintenance/status after "
      "/v3/kv/compaction with physical=true, then after /v3/maintenance/defragment. Loaded in "
      "transactions of " + std::to_string(plan.batch) + " puts (one revision per put on our side, "
      "one per transaction on etcd's).");
  return report;
}

}  // namespace mk::bench
