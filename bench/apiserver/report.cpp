#include "report.h"

#include <cstdio>
#include <functional>
#include <sstream>
#include <vector>

#include "configmaps.h"
#include "report_table.h"

namespace mk::apibench {
namespace {

using bench::format_count;
using bench::format_ms;

struct Row {
  std::string measurement, ours, target, k3s;
};

// One figure: the number (for the verdict) and its text.
struct Figure {
  std::optional<double> value;
  std::string text;
};

std::string rate(double v) { return format_count(v) + "/s"; }
std::string megabytes(double bytes) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.1f MB", bytes / 1e6);
  return buf;
}
std::string verdict(bool met) { return met ? "**met**" : "**missed**"; }
std::string cores(double cpu_seconds, double wall_seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", wall_seconds > 0 ? cpu_seconds / wall_seconds : 0);
  return buf;
}

class Builder {
 public:
  Builder(const RunContext& ctx, const BenchResults& r) : ctx_(ctx), r_(r) {}

  template <typename T>
  Figure figure(const Slot<T>& slot, const std::string& what, const std::function<std::optional<double>(const T&)>& pick,
                const std::function<std::string(double)>& format) {
    if (!slot) return {std::nullopt, r_.setup_error ? "error" : "not run"};
    if (!*slot) {
      note_error(what, slot->error());
      return {std::nullopt, "error"};
    }
    auto v = pick(slot->value());
    if (!v) return {std::nullopt, "n/a"};
    return {v, format(*v)};
  }

  // "≥ 5,000/s: **met**", or why there is no verdict.
  std::string target(const std::string& goal, const Figure& f, const std::function<bool(double)>& met) {
    std::string t = goal + ": ";
    if (!f.value) return t + "not measured";
    t += verdict(met(*f.value));
    if (ctx_.options.quick) t += " (quick run)";
    return t;
  }

  void note_error(const std::string& what, const Error& e) {
    any_error = true;
    notes.push_back("ERROR, " + what + ": " + std::string(errc_name(e.code)) + ": " + e.message);
  }

  const RunContext& ctx_;
  const BenchResults& r_;
  std::vector<Row> rows;
  std::vector<std::string> notes;
  bool any_error = false;
};

std::string clients_text(size_t n) { return std::to_string(n) + (n == 1 ? " client" : " clients"); }

void add_load_rows(Builder& b, const std::string& verb, const std::vector<Slot<LoadRun>>& runs) {
  const Plan& plan = b.ctx_.plan;
  for (size_t i = 0; i < plan.client_counts.size(); ++i) {
    size_t n = plan.client_counts[i];
    Slot<LoadRun> none;
    const Slot<LoadRun>& slot = i < runs.size() ? runs[i] : none;
    Figure f = b.figure<LoadRun>(slot, verb + "s with " + clients_text(n),
                                 [](const LoadRun& r) -> std::optional<double> { return r.per_second; }, rate);
    Row row{"ConfigMap " + verb + "s/s, " + clients_text(n), f.text, "—", "—"};
    if (verb == "create" && n == 16) {
      row.target = b.target("≥ 5,000/s", f, [](double v) { return v >= 5000; });
    }
    b.rows.push_back(row);
    if (slot && *slot) {
      const LoadRun& r = slot->value();
      std::string line = verb + "s, " + clients_text(n) + ": " + format_count(static_cast<double>(r.ok)) +
                         " in " + format_ms(r.seconds * 1000) + ", latency p50 " + format_ms(r.latency.p50_ms) +
                         ", p99 " + format_ms(r.latency.p99_ms) + "; CPU cores used: server " +
                         cores(r.server_cpu_seconds, r.seconds) + ", benchmark clients " +
                         cores(r.bench_cpu_seconds, r.seconds);
      if (r.failed > 0) {
        line += "; " + format_count(static_cast<double>(r.failed)) + " failed (first: " +
                (r.first_error ? r.first_error->message : std::string("?")) + ")";
        b.any_error = true;
      }
      b.notes.push_back(line + ".");
    }
  }
}

void add_fanout_rows(Builder& b) {
  const Plan& plan = b.ctx_.plan;
  std::string who = format_count(static_cast<double>(plan.watchers)) + " watchers";
  Figure p50 = b.figure<FanoutRun>(
      b.r_.fanout, "watch fan-out",
      [](const FanoutRun& r) -> std::optional<double> {
        if (r.latency.samples == 0) return std::nullopt;
        return r.latency.p50_ms;
      },
      format_ms);
  // Same run: p99 has a figure exactly when p50 has one (and any error is noted once).
  Figure p99 = {std::nullopt, p50.text};
  if (p50.value) {
    double v = b.r_.fanout->value().latency.p99_ms;
    p99 = {v, format_ms(v)};
  }
  b.rows.push_back({"Watch fan-out, create → event p50, " + who, p50.text, "—", "—"});
  b.rows.push_back({"Watch fan-out, create → event p99, " + who, p99.text, "—", "—"});
  if (b.r_.fanout && *b.r_.fanout) {
    const FanoutRun& r = b.r_.fanout->value();
    std::string line = "Watch fan-out: " + who + " (one HTTPS connection each, `GET " +
                       configmaps_path("fanout") + "?watch=true&resourceVersion=<rv>`), read by " +
                       std::to_string(plan.watch_threads) +
                       " client threads with epoll; the event's name is found by a substring search, not a JSON "
                       "parse, and the receipt time is taken when its bytes are read. " +
                       std::to_string(r.events) + " creates, one at a time, each waiting (up to " +
                       format_count(static_cast<double>(plan.event_deadline.count())) +
                       " ms) until every watcher has it; " + format_count(static_cast<double>(r.latency.samples)) +
                       " deliveries, max " + format_ms(r.latency.max_ms) + ". Opening the streams and seeing a "
                       "warm-up create on all took " + format_ms(r.open_seconds * 1000) +
                       "; server RSS with them open " + megabytes(static_cast<double>(r.rss_with_watchers)) + ".";
    if (r.events < r.requested) {
      line += " The run hit its time budget after " + std::to_string(r.events) + " of " +
              std::to_string(r.requested) + " creates.";
    }
    const auto& before = b.r_.watches_before;
    const auto& after = b.r_.watches_after;
    if (before && *before && after && *after) {
      line += " Open watches by the server's /metrics: " + std::to_string(before->value()) + " before, " +
              std::to_string(r.server_open_watches) + " during, " + std::to_string(after->value()) + " " + format_count(static_cast<double>(plan.settle.count())) +
              " ms after the benchmark closed its streams.";
    }
    if (r.missing > 0) {
      line += " " + format_count(static_cast<double>(r.missing)) + " deliveries never came (not in the percentiles).";
      b.any_error = true;
    }
    b.notes.push_back(line);
  }
}

void add_memory_rows(Builder& b) {
  auto rss = [](const bench::ProcMemory& m) -> std::optional<double> { return static_cast<double>(m.rss_bytes); };
  Figure idle = b.figure<bench::ProcMemory>(b.r_.idle, "idle RSS", rss, megabytes);
  b.rows.push_back({"Server RSS, idle after start", idle.text,
                    b.target("≤ 15 MB", idle, [](double v) { return v <= 15e6; }), "300–565 MB idle"});
  std::string held = format_count(static_cast<double>(b.r_.held_count ? b.r_.held_count : b.ctx_.plan.held_configmaps));
  Figure f = b.figure<bench::ProcMemory>(b.r_.held, "RSS holding ConfigMaps", rss, megabytes);
  b.rows.push_back({"Server RSS holding " + held + " ConfigMaps of ~1 KiB", f.text, "—", "—"});
  if (b.r_.held_count != 0 && b.r_.held_count < b.ctx_.plan.held_configmaps) {
    b.notes.push_back("Only " + held + " of " + format_count(static_cast<double>(b.ctx_.plan.held_configmaps)) +
                      " ConfigMaps could be created for the memory reading.");
    b.any_error = true;
  }
  std::string line = "Memory is VmRSS from /proc/<pid>/status (MB = 10^6 bytes), read " +
                     format_count(static_cast<double>(b.ctx_.plan.settle.count())) +
                     " ms after the last request (idle: after /readyz first answered).";
  if (b.r_.idle && *b.r_.idle) {
    line += " Idle: " + std::to_string(b.r_.idle->value().threads) + " threads, peak (VmHWM) " +
            megabytes(static_cast<double>(b.r_.idle->value().peak_bytes)) + ".";
  }
  if (b.r_.held && *b.r_.held) {
    line += " Holding: peak " + megabytes(static_cast<double>(b.r_.held->value().peak_bytes)) + ".";
  }
  if (b.r_.after_load && *b.r_.after_load) {
    line += " The first server after creates, gets and fan-out: " +
            megabytes(static_cast<double>(b.r_.after_load->value().rss_bytes)) + " (peak " +
            megabytes(static_cast<double>(b.r_.after_load->value().peak_bytes)) + ").";
  }
  b.notes.push_back(line);
}

void add_startup_rows(Builder& b) {
  const Plan& plan = b.ctx_.plan;
  std::string median = "median of " + std::to_string(plan.restarts);
  Figure ready = b.figure<StartupRun>(
      b.r_.restarts, "restarts", [](const StartupRun& r) -> std::optional<double> { return r.median_ready_ms; },
      format_ms);
  b.rows.push_back({"Start → /readyz 200, existing data dir (" + median + ")", ready.text,
                    b.target("≤ 200 ms", ready, [](double v) { return v <= 200; }), "—"});
  Figure api = {std::nullopt, ready.text};
  if (b.r_.restarts && *b.r_.restarts) {
    double v = b.r_.restarts->value().median_api_ms;
    api = {v, format_ms(v)};
  }
  b.rows.push_back({"Start → first authenticated GET 200, existing data dir (" + median + ")", api.text, "—", "—"});
  Figure first = b.figure<double>(
      b.r_.first_start_ms, "first start", [](const double& v) -> std::optional<double> { return v; }, format_ms);
  b.rows.push_back({"Start → /readyz 200, new data dir (makes PKI and database)", first.text, "—", "—"});
  if (b.r_.restarts && *b.r_.restarts) {
    const StartupRun& r = b.r_.restarts->value();
    std::string each;
    for (size_t i = 0; i < r.ready_ms.size(); ++i) {
      each += (i ? ", " : "") + format_ms(r.ready_ms[i]) + " / " + format_ms(r.api_ms[i]);
    }
    b.notes.push_back("Start-up: from just before fork() to the first 200, probing every 1 ms over TLS (a refused "
                      "connection fails at once); exec and dynamic linking are included. The existing data dir "
                      "is the second server's, holding its " +
                      format_count(static_cast<double>(b.r_.held_count)) +
                      " ConfigMaps. Each start, /readyz / authenticated GET: " + each + ".");
  }
}

std::string render(const RunContext& ctx, const Builder& b) {
  std::ostringstream out;
  out << "## API server benchmark: minikube server over HTTPS\n\n";
  char load[64];
  std::snprintf(load, sizeof(load), "%.2f at the start, %.2f at the end", ctx.machine.load_average, ctx.load_at_end);
  out << "Machine: " << ctx.machine.cores << " cores, 1-minute load average " << load << "; data under "
      << ctx.options.dir << " (" << ctx.machine.fs_type << ").\n";
  out << "Binary: " << ctx.options.minikube << " (`server --disable-agent`, default datastore durability: full).\n";
  if (ctx.options.quick) out << "**Quick run**: shorter and smaller than the full benchmark; targets are indicative.\n";
  out << "\n| measurement | minikube | target | k3s (from the issue) |\n|---|---:|---|---|\n";
  for (const auto& r : b.rows) {
    out << "| " << r.measurement << " | " << r.ours << " | " << r.target << " | " << r.k3s << " |\n";
  }
  out << "\n";
  for (const auto& n : b.notes) out << "- " << n << "\n";
  return out.str();
}

}  // namespace

std::string render_report(const RunContext& ctx, const BenchResults& r, bool& any_error) {
  Builder b(ctx, r);
  const Plan& plan = ctx.plan;
  if (r.setup_error) b.note_error("setup", *r.setup_error);
  add_load_rows(b, "create", r.creates);
  add_load_rows(b, "get", r.gets);
  add_fanout_rows(b);
  add_memory_rows(b);
  add_startup_rows(b);

  auto& notes = b.notes;
  notes.insert(notes.begin(),
               "Creates and gets: each client is a thread with one keep-alive HTTPS connection (mutual TLS "
               "with the admin certificate from the kubeconfig the server wrote; TCP_NODELAY on, as in Go clients), "
                   "closed loop, for " +
                   format_count(static_cast<double>(plan.load_duration.count())) +
                   " ms after all have connected. A ConfigMap's data is " + std::to_string(plan.payload_bytes) +
                   " B (request body " + std::to_string(configmap_json("create16-15-10000", plan.payload_bytes).size()) +
                   " B); gets cycle over " + format_count(static_cast<double>(plan.get_names)) +
                   " existing ConfigMaps. Clients and server share the machine's cores.");
  notes.push_back("k3s: the issue quotes k3s only for idle memory; this benchmark does not run k3s, so the other "
                  "rows have no k3s figure.");
  if (ctx.machine.load_average > ctx.machine.cores || ctx.load_at_end > ctx.machine.cores) {
    notes.push_back("The machine was busy with other work (load above the core count): figures vary from run to "
                    "run, throughput and latencies most.");
  }
  any_error = b.any_error;
  return render(ctx, b);
}

}  // namespace mk::apibench
