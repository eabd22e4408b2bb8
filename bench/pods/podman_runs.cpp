#include "podman_runs.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "command.h"
#include "common/log.h"
#include "interrupt.h"
#include "podman_cleanup.h"
#include "proc_stats.h"

namespace mk::podbench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The same pod as the minikube side's: one busybox `sleep` container, never pulled.
std::string pod_yaml(const std::string& name) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\n  labels:\n    app: pods-bench\nspec:\n  terminationGracePeriodSeconds: 0\n  containers:\n"
         "  - name: sleep\n    image: " +
         std::string(kImage) + "\n    imagePullPolicy: Never\n    command: [\"sleep\", \"100000\"]\n";
}

std::vector<std::string> with(std::vector<std::string> base, std::initializer_list<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// One `podman kube play` of a new pod; its wall time.
Result<int64_t> play(const std::vector<std::string>& base, const std::string& dir, const std::string& name,
                     const Plan& plan) {
  std::string file = dir + "/" + name + ".yaml";
  {
    std::ofstream out(file);
    out << pod_yaml(name);
    if (!out) return make_error(Errc::io, "write " + file);
  }
  // No network: the minikube pods get none either, and podman's default one would add a bridge
  // and firewall rules to the host.
  auto r = bench::run_checked(with(base, {"kube", "play", "--network", "none", file}), dir + "/play.log",
                              plan.command_timeout);
  if (!r) return r.error();
  return r->elapsed_ns;
}

}  // namespace

PodmanResults run_podman_side(const Options& options, const Plan& plan, const std::string& work,
                              const TestImage& image) {
  PodmanResults r;
  if (options.skip_podman) {
    r.skipped = "skipped (--skip-podman)";
    return r;
  }
  if (::access(options.podman.c_str(), X_OK) != 0) {
    r.skipped = "not installed (" + options.podman + ")";
    return r;
  }
  if (::access(options.runc.c_str(), X_OK) != 0) {
    r.skipped = "runc not installed (" + options.runc + ")";
    return r;
  }
  r.ran = true;
  const std::string storage = work + "/podman";
  std::error_code ec;
  for (const char* d : {"root", "runroot", "tmp", "pods"}) fs::create_directories(storage + "/" + d, ec);
  // This host's hard limits are below podman's default ulimits; the file is passed through
  // the environment, so nothing under /etc is touched.
  const std::string conf = storage + "/containers.conf";
  {
    std::ofstream out(conf);
    out << "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n";
  }
  ::setenv("CONTAINERS_CONF", conf.c_str(), 1);
  // crun refuses hybrid cgroup hosts; cgroupfs as there is no systemd to ask; no event log.
  const std::vector<std::string> base = {options.podman,  "--root",           storage + "/root",
                                         "--runroot",     storage + "/runroot", "--tmpdir",
                                         storage + "/tmp", "--runtime",       options.runc,
                                         "--cgroup-manager", "cgroupfs",      "--events-backend",
                                         "none"};
  const std::string log = storage + "/podman.log";
  PodmanCleanup cleanup(base, storage, storage + "/cleanup.log");

  auto version = bench::run_command({options.podman, "--version"}, log, std::chrono::seconds(30));
  if (version && version->exit_code == 0) r.version = bench::last_line(version->output);

  MK_LOG(info) << "bench: podman load";
  auto loaded = bench::run_checked(with(base, {"load", "-q", "-i", image.oci_archive}), log, plan.command_timeout);
  if (!loaded) {
    r.error = loaded.error().wrap("podman load");
    return r;
  }
  // One pod first, not counted: podman builds its pause image for the first pod.
  MK_LOG(info) << "bench: podman warm-up pod";
  if (auto warm = play(base, storage + "/pods", "warmup", plan); !warm) {
    r.error = warm.error().wrap("warm-up pod");
    return r;
  }

  MK_LOG(info) << "bench: podman: " << plan.podman_pods << " pods, one after another";
  r.latency.wanted = plan.podman_pods;
  auto phase_end = Clock::now() + plan.phase_budget;
  for (size_t i = 0; i < plan.podman_pods; ++i) {
    if (bench::interrupted()) break;
    if (Clock::now() >= phase_end) {
      r.latency.budget_hit = true;
      break;
    }
    auto t = play(base, storage + "/pods", "pod-" + std::to_string(i), plan);
    if (!t) {
      r.latency.error = t.error();
      break;
    }
    r.latency.samples_ns.push_back(*t);
  }

  // Checked once at the end, untimed: every pod's container is running.
  auto ps = bench::run_command(with(base, {"ps", "--filter", "status=running", "--format", "{{.Names}}"}), log,
                               plan.command_timeout);
  if (ps && ps->exit_code == 0) {
    std::istringstream in(ps->output);
    std::string name;
    while (std::getline(in, name)) {
      if (name.rfind("pod-", 0) == 0 && name.size() > 6 && name.compare(name.size() - 6, 6, "-sleep") == 0) {
        ++r.verified_running;
      }
    }
  }
  auto conmons = bench::find_processes("conmon", storage + "/");
  r.conmons = conmons.size();
  r.conmon_rss_total = 0;
  r.conmon_pss_total = 0;
  for (pid_t pid : conmons) {
    if (auto m = bench::read_memory(pid)) r.conmon_rss_total += m->rss_bytes;
    if (auto pss = bench::read_pss_bytes(pid)) r.conmon_pss_total += *pss;
  }
  MK_LOG(info) << "bench: removing the podman pods and storage";
  return r;
}

}  // namespace mk::podbench
