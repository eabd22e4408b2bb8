#include "report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

#include "latency_stats.h"
#include "report_table.h"
#include "test_image.h"

namespace mk::podbench {
namespace {

constexpr double kStartTargetMs = 50;
constexpr double kSpeedupTarget = 10;
constexpr int64_t kMiB = 1024 * 1024;
constexpr int64_t kIdleRssTarget = 20 * kMiB;
constexpr int64_t kPerPodTarget = kMiB / 2;

struct Row {
  std::string measurement, minikube, podman, target, status;
};

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '|') c = ' ';
  }
  if (text.size() > 200) text = text.substr(0, 197) + "...";
  return text;
}

std::string fixed(double v, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

bench::LatencySummary summary(std::vector<int64_t> samples) { return bench::summarize(samples); }

std::string n_of(const LatencySeries& s) {
  std::string text = "n=" + std::to_string(s.samples_ns.size());
  if (s.samples_ns.size() < s.wanted) text += " of " + std::to_string(s.wanted);
  return text;
}

// "12.3 ms (n=100)", or why there is no figure; a series cut short says why after its figure.
std::string latency_cell(const LatencySeries& s, bool p99) {
  if (s.samples_ns.empty()) return s.error ? "failed: " + one_line(s.error->message) : "—";
  auto sum = summary(s.samples_ns);
  std::string text = bench::format_ms(p99 ? sum.p99_ms : sum.p50_ms) + " (" + n_of(s) + ")";
  if (s.error) text += "; then failed: " + one_line(s.error->message);
  if (s.budget_hit) text += "; the rest did not fit the time budget";
  return text;
}

std::string podman_latency_cell(const PodmanResults& p, bool p99) {
  if (!p.skipped.empty()) return p.skipped;
  if (p.error) return "failed: " + one_line(p.error->message);
  return latency_cell(p.latency, p99);
}

// Median of the first and of the last tenth of a series (at least one pod each).
std::string tenths_cell(const LatencySeries& s) {
  size_t n = s.samples_ns.size();
  if (n < 2) return "—";
  size_t tenth = std::max<size_t>(1, n / 10);
  std::vector<int64_t> first(s.samples_ns.begin(), s.samples_ns.begin() + static_cast<std::ptrdiff_t>(tenth));
  std::vector<int64_t> last(s.samples_ns.end() - static_cast<std::ptrdiff_t>(tenth), s.samples_ns.end());
  return bench::format_ms(summary(first).p50_ms) + " → " + bench::format_ms(summary(last).p50_ms) + " (" +
         std::to_string(tenth) + " pods each)";
}

std::string bytes_or_dash(int64_t b) { return b < 0 ? "—" : bench::format_bytes(b); }

std::string breakdown_cell(const std::vector<int64_t>& samples) {
  if (samples.empty()) return "—";
  auto s = summary(samples);
  return bench::format_ms(s.p50_ms) + " | " + bench::format_ms(s.p99_ms);
}

}  // namespace

std::string render_report(const RunContext& c, const MinikubeResults& m, const PodmanResults& p, bool& any_error) {
  std::ostringstream out;
  out << "# minikube single-node cluster benchmark: pods\n\n";
  out << "- machine: " << c.cores << " cores, kernel " << c.kernel << ", cgroups " << c.cgroup_mode
      << ", temp dir on " << c.fs_type << "; load average " << fixed(c.load_at_start, "%.2f") << " at start, "
      << fixed(c.load_at_end, "%.2f") << " at end\n";
  out << "- minikube: " << c.minikube << " (`minikube server` with its in-process agent, temporary data dir";
  if (m.ready_ms > 0) out << "; start until the agent joined: " << bench::format_ms(m.ready_ms);
  out << ")\n";
  if (!p.skipped.empty()) {
    out << "- podman: " << p.skipped << "\n";
  } else {
    out << "- podman: " << (p.version.empty() ? "unknown version" : p.version)
        << " with runc, cgroupfs, temporary storage, `--network none`\n";
  }
  if (c.quick) out << "- --quick: a smoke check, too few pods for the figures to mean much\n";
  out << "\n";

  std::vector<Row> rows;
  Row p50{"pod start p50: create → Running (minikube: POST → Running on a watch; podman: `kube play` wall time)",
          latency_cell(m.latency, false), podman_latency_cell(p, false),
          "≤ " + bench::format_ms(kStartTargetMs) + " and ≥ 10x faster than podman", "—"};
  if (!m.latency.samples_ns.empty()) {
    double ours = summary(m.latency.samples_ns).p50_ms;
    bool fast = ours <= kStartTargetMs;
    std::string verdict = std::string(fast ? "met" : "not met") + " (" + bench::format_ms(ours) + ")";
    if (!p.latency.samples_ns.empty()) {
      double ratio = summary(p.latency.samples_ns).p50_ms / ours;
      verdict += std::string("; ") + (ratio >= kSpeedupTarget ? "met" : "not met") + " (" + fixed(ratio, "%.1fx") +
                 " faster than podman)";
    } else {
      verdict += "; podman ratio: no podman figure";
    }
    p50.status = verdict;
  }
  rows.push_back(p50);
  rows.push_back({"pod start p99", latency_cell(m.latency, true), podman_latency_cell(p, true), "—", "—"});
  rows.push_back({"pod start p50 of the first tenth of the pods → of the last tenth (does it grow with the pods "
                  "already running?)",
                  tenths_cell(m.latency), p.skipped.empty() && !p.error ? tenths_cell(p.latency) : "—", "—", "—"});

  Row idle{"server + agent RSS, idle after start (one process)", bytes_or_dash(m.idle_rss),
           "— (no daemon; k3s: 300–565 MB reported)", "≤ 20 MB", "—"};
  if (m.idle_rss >= 0) idle.status = m.idle_rss <= kIdleRssTarget ? "met" : "not met";
  if (m.idle_threads > 0) idle.minikube += ", " + std::to_string(m.idle_threads) + " threads";
  rows.push_back(idle);

  std::string pods = std::to_string(m.running_pods);
  Row loaded{"server + agent RSS with " + pods + " running pods", bytes_or_dash(m.loaded_rss), "—", "—", "—"};
  if (m.loaded_threads > 0) loaded.minikube += ", " + std::to_string(m.loaded_threads) + " threads";
  rows.push_back(loaded);

  Row per_pod{"agent memory per running pod besides its shim: (RSS with pods − idle RSS) / " + pods, "—", "—",
              "≤ 0.5 MB", "—"};
  if (m.loaded_rss >= 0 && m.idle_rss >= 0 && m.running_pods > 0) {
    int64_t delta = (m.loaded_rss - m.idle_rss) / static_cast<int64_t>(m.running_pods);
    per_pod.minikube = delta < 0 ? "−" + bench::format_bytes(-delta) : bench::format_bytes(delta);
    per_pod.status = delta <= kPerPodTarget ? "met" : "not met";
  }
  rows.push_back(per_pod);

  Row helpers{"per-pod helper processes, RSS per pod (total): minikube-shim, 1 per pod; conmon, 2 per pod (infra + "
              "container)",
              "—", "—", "—", "—"};
  if (m.shims > 0 && m.shim_rss_total >= 0) {
    helpers.minikube = bench::format_bytes(m.shim_rss_total / static_cast<int64_t>(m.shims)) + " (" +
                       bench::format_bytes(m.shim_rss_total) + " for " + std::to_string(m.shims) + " shims; Pss " +
                       bench::format_bytes(m.shim_pss_total) + ")";
  }
  size_t podman_pods = p.latency.samples_ns.size() + (p.ran && !p.error ? 1 : 0);
  if (p.conmons > 0 && p.conmon_rss_total >= 0 && podman_pods > 0) {
    helpers.podman = bench::format_bytes(p.conmon_rss_total / static_cast<int64_t>(podman_pods)) + " (" +
                     bench::format_bytes(p.conmon_rss_total) + " for " + std::to_string(p.conmons) + " conmons; Pss " +
                     bench::format_bytes(p.conmon_pss_total) + ")";
  }
  rows.push_back(helpers);

  Row cpu{"CPU of the minikube process with " + pods + " idle pods, % of one core", "—", "—", "—", "—"};
  if (m.cpu_percent >= 0) {
    cpu.minikube = fixed(m.cpu_percent, "%.2f %%") + " over " + fixed(m.cpu_window_s, "%.0f s");
    cpu.podman = "— (no daemon)";
  }
  rows.push_back(cpu);
  Row shim_cpu{"CPU of all shims together over the same window, % of one core", "—", "—", "—", "—"};
  if (m.shims_cpu_percent >= 0) shim_cpu.minikube = fixed(m.shims_cpu_percent, "%.2f %%");
  rows.push_back(shim_cpu);

  Row stop{"server stop with the pods running (SIGTERM → exit; the pods keep running)", "—", "—", "—", "—"};
  if (m.stop_ms >= 0) {
    stop.minikube = m.stop_killed ? "did not exit within " + bench::format_ms(m.stop_ms) + ", killed"
                                  : bench::format_ms(m.stop_ms);
  }
  rows.push_back(stop);

  out << "| measurement | minikube | podman (runc) | target | status |\n";
  out << "|---|---:|---:|---|---|\n";
  for (const auto& r : rows) {
    out << "| " << r.measurement << " | " << r.minikube << " | " << r.podman << " | " << r.target << " | "
        << r.status << " |\n";
  }
  out << "\n";

  const Breakdown& b = m.breakdown;
  if (!b.create_to_bound.empty()) {
    out << "Where minikube's create → Running time goes (n=" << b.create_to_bound.size() << "):\n\n";
    out << "| step | p50 | p99 |\n|---|---:|---:|\n";
    out << "| POST → the watch shows the pod bound to the node (API server, scheduler) | "
        << breakdown_cell(b.create_to_bound) << " |\n";
    out << "| bound → the kubelet logs \"created pod\" (its pod worker notices the pod; runtime sandbox, cgroups, "
           "shim) | "
        << breakdown_cell(b.bound_to_sandbox) << " |\n";
    out << "| created → the kubelet logs \"started container\" (the container started through the shim) | "
        << breakdown_cell(b.sandbox_to_started) << " |\n";
    out << "| started → the watch shows Running (status written through pods/status) | "
        << breakdown_cell(b.started_to_running) << " |\n\n";
  }

  if (m.error) {
    out << "- minikube side failed: " << one_line(m.error->message) << "\n";
    any_error = true;
  }
  if (m.latency.error) any_error = true;
  out << "- Pods are created one after another, each once the previous one is Running, and stay running: the "
         "memory and CPU rows are read with all of them up. Each side first starts one warm-up pod that is not "
         "counted (podman builds its pause image then) but is counted as running.\n";
  out << "- Every pod: one busybox-static `sleep` container, image `" << kImage
      << "` (minikube: imported from an airgap tarball in <data-dir>/agent/images at agent start; podman: "
         "`podman load` of an oci-archive), imagePullPolicy Never, no pod network on either side.\n";
  out << "- The server runs with `--disable-kube-proxy --disable-network-policy --disable-cluster-dns "
         "--flannel-backend none`: those "
         "would program the host's own network from this benchmark; their memory and CPU are not in the figures.\n";
  out << "- podman has no resident daemon: its per-pod cost is conmon (and the infra container), shown beside "
         "the shim; the k3s memory figure is the one reported for k3s, not measured here.\n";
  out << "- The breakdown's middle steps are the kubelet's log lines (millisecond timestamps), compared with the "
         "watch times on the same clock.\n";
  if (c.load_at_start > c.cores || c.load_at_end > c.cores) {
    out << "- The load average was above the core count: other work slowed both sides; compare them with each "
           "other rather than with targets measured on an idle machine.\n";
  }
  return out.str();
}

}  // namespace mk::podbench
