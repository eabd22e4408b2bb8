#include "report.h"

#include <cstdio>
#include <sstream>
#include <vector>

#include "report_table.h"

namespace mk::rtbench {
namespace {

// Start-up figures measured earlier on this kind of machine, printed as the reference.
constexpr double kCrunReferenceMs = 6.3;
constexpr double kRuncReferenceMs = 17.7;
constexpr int64_t kShimRssTarget = 1024 * 1024;

struct Row {
  std::string measurement, ours, crun, runc, target, verdict;
};

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '|') c = ' ';
  }
  if (text.size() > 160) text = text.substr(0, 157) + "...";
  return text;
}

std::string cell(const Series& s) {
  if (!s.ran) return "—";
  if (s.error && s.samples_ns.empty()) return "failed: " + one_line(s.error->message);
  std::string text = bench::format_ms(s.median_ms()) + " (p90 " + bench::format_ms(s.p90_ms()) + ", n=" +
                     std::to_string(s.samples_ns.size()) + ")";
  if (s.error) text += "; then failed: " + one_line(s.error->message);
  return text;
}

// crun 1.8 refuses hybrid cgroup hosts outright; that is the host, not the measurement.
std::string oci_cell(const Series& s) {
  if (s.ran && s.error && s.samples_ns.empty() && s.error->message.find("hybrid") != std::string::npos) {
    return "refused on this host (hybrid cgroups): " + one_line(s.error->message);
  }
  return cell(s);
}

// Ours against crun: the crun measured in this run when it ran, else the reference figure.
std::string start_verdict(const Series& ours, const Series& crun) {
  if (!ours.ok()) return "—";
  double against = crun.ok() ? crun.median_ms() : kCrunReferenceMs;
  const char* what = crun.ok() ? "crun here" : "crun reference";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s (%.2fx %s)", ours.median_ms() <= against ? "met" : "not met",
                ours.median_ms() / against, what);
  return buf;
}

bool failed(const Series& s) { return s.ran && s.error.has_value(); }

}  // namespace

std::string render_report(const RunContext& c, const Results& r, bool& any_error) {
  std::ostringstream out;
  out << "# minikube container runtime benchmark\n\n";
  char load[96];
  std::snprintf(load, sizeof load, "load average %.2f at start, %.2f at end", c.load_at_start, c.load_at_end);
  out << "- machine: " << c.cores << " cores, kernel " << c.kernel << ", cgroups " << c.cgroup_mode
      << ", temp dir on " << c.fs_type << "; " << load << "\n";
  out << "- minikube: " << c.minikube << "\n";
  out << "- runc: " << c.runc_version << "; crun: " << c.crun_version << "\n";
  out << "- each timed series: up to " << c.runs << " runs or " << c.budget_seconds
      << " s; figures are median (p90, n = runs taken)" << (c.quick ? "; --quick" : "") << "\n\n";

  std::vector<Row> rows;
  const std::string start_target = "≤ crun";
  rows.push_back({"start-to-exit `/bin/true`, library `container::start` (RuntimeDefault seccomp)", cell(r.lib_true),
                  oci_cell(r.crun_true), oci_cell(r.runc_true), start_target, start_verdict(r.lib_true, r.crun_true)});
  rows.push_back({"start-to-exit `/bin/true`, library, seccomp unconfined (as the OCI bundle)",
                  cell(r.lib_true_unconfined), "″", "″", start_target,
                  start_verdict(r.lib_true_unconfined, r.crun_true)});
  rows.push_back({"start-to-exit `/bin/true`, CLI `minikube runtime run` (pod, shim, cgroups)", cell(r.cli_true), "″",
                  "″", "—", "—"});
  rows.push_back({"start-to-running `sleep`, library `container::start`", cell(r.lib_sleep), oci_cell(r.crun_sleep),
                  oci_cell(r.runc_sleep), start_target, start_verdict(r.lib_sleep, r.crun_sleep)});
  rows.push_back({"start-to-running `sleep`, CLI `minikube runtime run -d`", cell(r.cli_sleep), "″", "″", "—", "—"});
  rows.push_back({"reference start-up figures (earlier, this kind of machine)", "—",
                  bench::format_ms(kCrunReferenceMs), bench::format_ms(kRuncReferenceMs), "—", "—"});

  Row shim{"shim memory per pod (busybox sleep), VmRSS (Pss)", "—", "—", "—", "≤ 1 MB RSS", "—"};
  if (r.shim && *r.shim) {
    const ShimMemory& m = **r.shim;
    shim.ours = bench::format_bytes(m.rss_bytes) + " (Pss " + bench::format_bytes(m.pss_bytes) + ")";
    shim.verdict = m.rss_bytes <= kShimRssTarget ? "met" : "not met";
  } else if (r.shim) {
    shim.ours = "failed: " + one_line(r.shim->error().message);
    any_error = true;
  }
  rows.push_back(shim);

  std::string image = std::to_string(c.image_mib) + " MB image";
  std::string skipped = r.images_skipped ? "skipped" : r.image_error ? "failed: " + one_line(r.image_error->message) : "";
  rows.push_back({"import " + image + " (`minikube image import` of an oci-archive)",
                  skipped.empty() ? cell(r.image_import) : skipped, "—", "—", "—", "—"});
  rows.push_back({"pull " + image + " (`minikube image pull` from a local docker-registry)",
                  skipped.empty() ? cell(r.image_pull) : skipped, "—", "—", "—", "—"});

  out << "| measurement | minikube | crun | runc | target | status |\n";
  out << "|---|---:|---:|---:|---|---|\n";
  for (const auto& row : rows) {
    out << "| " << row.measurement << " | " << row.ours << " | " << row.crun << " | " << row.runc << " | "
        << row.target << " | " << row.verdict << " |\n";
  }
  out << "\n";
  out << "- crun and runc run the same busybox-static root through an OCI bundle from `runc spec` (read-write "
         "root, no terminal, new pid/ipc/uts/mount/network namespaces, no seccomp, runc's own cgroup per "
         "container); start-to-running is `run -d` until the pid file's process has exec'd `sleep`.\n";
  out << "- The library rows make no cgroup; the CLI rows include the pod sandbox, the shim, cgroups and the "
         "CLI's 50 ms status polling while it follows a container to its exit.\n";
  if (c.load_at_start > c.cores || c.load_at_end > c.cores) {
    out << "- The load average was above the core count: other work slowed every side alike, so compare the "
           "sides of this run with each other rather than with the reference figures.\n";
  }
  if (r.image_bytes > 0) {
    out << "- The image: busybox plus one layer of " << c.image_mib << " MiB of random data, gzip-compressed ("
        << bench::format_bytes(static_cast<int64_t>(r.image_bytes)) << " archive); each import and pull into an "
        << "empty data dir. No k3s figure is given for these.\n";
  }
  for (const Series* s : {&r.lib_true, &r.lib_true_unconfined, &r.cli_true, &r.lib_sleep, &r.cli_sleep,
                          &r.image_import, &r.image_pull}) {
    if (failed(*s)) any_error = true;
  }
  if (r.image_error) any_error = true;
  return out.str();
}

}  // namespace mk::rtbench
