#include "minikube_runs.h"

#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "api_client.h"
#include "common/log.h"
#include "interrupt.h"
#include "minikube_cleanup.h"
#include "pod_watch.h"
#include "proc_stats.h"
#include "server_process.h"

namespace mk::podbench {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kNamespace = "default";
const std::string kPodsPath = "/api/v1/namespaces/" + kNamespace + "/pods";
// SIGTERM to SIGKILL: the agent finishes its pod worker's pass before it stops.
constexpr std::chrono::milliseconds kStopGrace{30'000};

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A pod of one busybox `sleep` container, never pulled, killed at once on deletion.
std::string pod_json(const std::string& name) {
  nlohmann::json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"labels", {{"app", "pods-bench"}}}}},
      {"spec",
       {{"terminationGracePeriodSeconds", 0},
        {"containers",
         {{{"name", "sleep"}, {"image", kImage}, {"imagePullPolicy", "Never"}, {"command", {"sleep", "100000"}}}}}}}};
  return pod.dump();
}

// Sleeps in small steps so Ctrl-C is noticed; false when interrupted.
bool pause_for(std::chrono::milliseconds d) {
  auto until = Clock::now() + d;
  while (Clock::now() < until) {
    if (bench::interrupted()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(100), until - Clock::now()));
  }
  return !bench::interrupted();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Waits until the server's log says its agent joined (the pod worker runs from then on).
Status wait_agent_joined(bench::ServerProcess& server, const std::string& node, Clock::time_point deadline) {
  const std::string line = "agent: node " + node + " joined";
  for (;;) {
    std::string log = read_text(server.log_path());
    if (log.find(line) != std::string::npos) return Status::ok();
    if (log.find("the local agent did not start") != std::string::npos) {
      return make_error(Errc::unavailable, "the agent did not start: " + bench::log_tail(server.log_path()));
    }
    if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (Clock::now() > deadline) {
      return make_error(Errc::unavailable, "the agent did not join in time: " + bench::log_tail(server.log_path()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The wall-clock time (ns) of the first log line per pod that contains `marker` + "<ns>/<name>",
// e.g. "2026-11-24T09:26:29.416Z INFO  kubelet: created pod default/pod-3 (uid)".
std::map<std::string, int64_t> logged_times(const std::string& log_path, const std::string& marker) {
  std::map<std::string, int64_t> out;
  std::ifstream in(log_path);
  std::string line;
  const std::string prefix = marker + kNamespace + "/";
  while (std::getline(in, line)) {
    size_t at = line.find(prefix);
    if (at == std::string::npos || line.size() < 24) continue;
    size_t name_at = at + prefix.size();
    std::string name = line.substr(name_at, line.find(' ', name_at) - name_at);
    if (out.count(name)) continue;
    struct tm tm {};
    int ms = 0;
    if (::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                 &tm.tm_min, &tm.tm_sec, &ms) != 7) {
      continue;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    out[name] = static_cast<int64_t>(::timegm(&tm)) * 1'000'000'000 + static_cast<int64_t>(ms) * 1'000'000;
  }
  return out;
}

struct Created {
  std::string name;
  int64_t created_ns = 0;  // steady, just before the POST
  PodTimes times;
};

// One pod: POST it, wait for Running on the watch.
Result<Created> start_one(bench::ApiClient& client, PodWatch& watch, const std::string& name,
                          Clock::time_point deadline) {
  Created c{name, steady_ns(), {}};
  auto reply = client.post_json(kPodsPath, pod_json(name));
  if (!reply) return reply.error();
  if (reply->status != 201) return bench::http_error("create pod " + name, *reply);
  auto times = watch.wait_running(name, deadline);
  if (!times) return times.error();
  c.times = *times;
  return c;
}

void read_shims(const std::string& data_dir, MinikubeResults& r, std::vector<pid_t>& pids) {
  pids = bench::find_processes("minikube-shim", data_dir + "/");
  r.shims = pids.size();
  r.shim_rss_total = 0;
  r.shim_pss_total = 0;
  for (pid_t pid : pids) {
    if (auto m = bench::read_memory(pid)) r.shim_rss_total += m->rss_bytes;
    if (auto p = bench::read_pss_bytes(pid)) r.shim_pss_total += *p;
  }
}

double cpu_of(const std::vector<pid_t>& pids) {
  double total = 0;
  for (pid_t pid : pids) {
    if (auto c = bench::read_cpu_seconds(pid)) total += *c;
  }
  return total;
}

Status measure(const Plan& plan, const std::string& data_dir, bench::ServerProcess& server, MinikubeResults& r) {
  auto client = bench::ApiClient::connect(*server.tls(), server.port());
  if (!client) return client.error();

  if (!pause_for(plan.settle)) return make_error(Errc::cancelled, "interrupted");
  auto idle = bench::read_memory(server.pid());
  if (!idle) return idle.error().wrap("idle memory");
  r.idle_rss = idle->rss_bytes;
  r.idle_threads = idle->threads;

  auto rv = bench::list_resource_version(*client, kPodsPath);
  if (!rv) return rv.error();
  auto watch = PodWatch::open(*server.tls(), server.port(), kNamespace, *rv);
  if (!watch) return watch.error().wrap("watch pods");

  // One pod first, not counted: the first start loads the image's layers and makes the
  // cgroup parents; podman's first pod likewise builds its pause image.
  MK_LOG(info) << "bench: minikube warm-up pod";
  auto warm = start_one(*client, **watch, "warmup", Clock::now() + plan.pod_deadline);
  if (!warm) return warm.error().wrap("warm-up pod");

  MK_LOG(info) << "bench: minikube: " << plan.pods << " pods, one after another";
  r.latency.wanted = plan.pods;
  std::vector<Created> created;
  auto phase_end = Clock::now() + plan.phase_budget;
  for (size_t i = 0; i < plan.pods; ++i) {
    if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (Clock::now() >= phase_end) {
      r.latency.budget_hit = true;
      break;
    }
    auto pod_end = Clock::now() + plan.pod_deadline;
    auto one = start_one(*client, **watch, "pod-" + std::to_string(i), std::min(phase_end, pod_end));
    if (!one) {
      // Cut off by the phase's budget rather than by its own deadline: the series ends there.
      if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
      if (Clock::now() >= phase_end && phase_end < pod_end) {
        r.latency.budget_hit = true;
      } else {
        r.latency.error = one.error();
      }
      break;
    }
    r.latency.samples_ns.push_back(one->times.running_ns - one->created_ns);
    created.push_back(*one);
  }
  r.running_pods = created.size() + 1;  // with the warm-up pod

  // The breakdown, with the log's wall-clock times put on the steady clock.
  int64_t offset = wall_ns() - steady_ns();
  auto sandboxes = logged_times(server.log_path(), "kubelet: created pod ");
  auto containers = logged_times(server.log_path(), "kubelet: started container sleep of pod ");
  for (const auto& c : created) {
    auto sandbox = sandboxes.find(c.name);
    auto container = containers.find(c.name);
    if (sandbox == sandboxes.end() || container == containers.end() || c.times.scheduled_ns == 0) continue;
    int64_t sandbox_ns = sandbox->second - offset;
    int64_t container_ns = container->second - offset;
    r.breakdown.create_to_bound.push_back(c.times.scheduled_ns - c.created_ns);
    r.breakdown.bound_to_sandbox.push_back(sandbox_ns - c.times.scheduled_ns);
    r.breakdown.sandbox_to_started.push_back(container_ns - sandbox_ns);
    r.breakdown.started_to_running.push_back(c.times.running_ns - container_ns);
  }

  if (!pause_for(plan.settle)) return make_error(Errc::cancelled, "interrupted");
  auto loaded = bench::read_memory(server.pid());
  if (!loaded) return loaded.error().wrap("memory with pods");
  r.loaded_rss = loaded->rss_bytes;
  r.loaded_threads = loaded->threads;
  std::vector<pid_t> shims;
  read_shims(data_dir, r, shims);

  MK_LOG(info) << "bench: minikube: CPU over " << plan.cpu_window.count() << " s with the pods idle";
  auto cpu0 = bench::read_cpu_seconds(server.pid());
  if (!cpu0) return cpu0.error();
  double shims0 = cpu_of(shims);
  auto t0 = Clock::now();
  if (!pause_for(plan.cpu_window)) return make_error(Errc::cancelled, "interrupted");
  auto cpu1 = bench::read_cpu_seconds(server.pid());
  if (!cpu1) return cpu1.error();
  double shims1 = cpu_of(shims);
  r.cpu_window_s = std::chrono::duration<double>(Clock::now() - t0).count();
  r.cpu_percent = 100.0 * (*cpu1 - *cpu0) / r.cpu_window_s;
  r.shims_cpu_percent = 100.0 * (shims1 - shims0) / r.cpu_window_s;
  return Status::ok();
}

}  // namespace

MinikubeResults run_minikube_side(const Options& options, const Plan& plan, const std::string& work,
                                  const TestImage& image) {
  MinikubeResults r;
  r.ran = true;
  const std::string data_dir = work + "/minikube-data";
  if (Status s = write_airgap_tarball(image, data_dir + "/agent/images", work); !s) {
    r.error = s.error();
    return r;
  }
  const std::string shim = std::filesystem::path(options.minikube).parent_path().string() + "/minikube-shim";
  // Declared before the server, so it runs after the server has stopped.
  MinikubeCleanup cleanup(data_dir, shim);

  bench::ServerSpec spec;
  spec.binary = options.minikube;
  spec.data_dir = data_dir;
  spec.work_dir = work;
  spec.label = "minikube-server";
  spec.deadline = plan.ready_deadline;
  spec.agent = true;
  const std::string node = "pods-bench-" + std::to_string(::getpid());
  // The cluster DNS and the pod network would add links, routes and nftables rules to the host's
  // network from this host-network agent; as in the e2e tests they are off (ServerProcess turns
  // off the service proxy and NetworkPolicy enforcer for the same reason), so the run leaves the
  // host's network alone and pods start as podman's do here, without a network.
  spec.extra_args = {"--node-name", node, "--disable-cluster-dns", "--flannel-backend", "none"};
  // The kubelet's HTTPS port: a free one on loopback, so parallel runs and tests do not meet.
  auto kubelet_port = bench::free_loopback_port();
  if (!kubelet_port) {
    r.error = kubelet_port.error();
    return r;
  }
  spec.extra_args.insert(spec.extra_args.end(),
                         {"--node-ip", "127.0.0.1", "--kubelet-port", std::to_string(*kubelet_port)});
  MK_LOG(info) << "bench: starting minikube server with its agent";
  auto started_at = Clock::now();
  auto server = bench::ServerProcess::start(spec);
  if (!server) {
    r.error = server.error();
    return r;
  }
  if (Status s = wait_agent_joined(*server, node, started_at + plan.ready_deadline); !s) {
    r.error = s.error();
    return r;
  }
  r.ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_at).count();
  if (Status s = measure(plan, data_dir, *server, r); !s) r.error = s.error();
  MK_LOG(info) << "bench: stopping minikube server and removing its pods";
  auto stop_start = Clock::now();
  server->stop(kStopGrace);
  r.stop_ms = std::chrono::duration<double, std::milli>(Clock::now() - stop_start).count();
  r.stop_killed = r.stop_ms >= std::chrono::duration<double, std::milli>(kStopGrace).count();
  return r;
}

}  // namespace mk::podbench
