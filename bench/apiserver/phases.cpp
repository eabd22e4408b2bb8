#include "phases.h"

#include <sys/resource.h>

#include <thread>

#include "common/log.h"
#include "configmaps.h"
#include "interrupt.h"
#include "server_process.h"

namespace mk::apibench {
namespace {

// Filling is bounded in time as well as count; at a few hundred creates per second the full
// 10,000 still fit.
constexpr auto kFillBudget = std::chrono::seconds(120);
// Descriptors the benchmark needs besides the watch streams (clients, logs, epoll).
constexpr size_t kSpareFiles = 128;

void pause_for(std::chrono::milliseconds total) {
  auto until = std::chrono::steady_clock::now() + total;
  while (!bench::interrupted() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

template <typename T>
Slot<T> failed(const Error& e) {
  return Slot<T>(Result<T>(e));
}

Result<LoadRun> fill(const bench::ServerProcess& server, size_t count, const std::string& ns, const std::string& prefix,
                     const Plan& plan) {
  LoadSpec spec;
  spec.clients = plan.fill_clients;
  spec.duration = kFillBudget;
  spec.total_ops = count;
  spec.max_ops_per_client = count;
  spec.op = fill_op(ns, prefix, plan.payload_bytes);
  return run_load(*server.tls(), server.port(), server.pid(), spec);
}

void run_server_a(const Options& options, const Plan& plan, const std::string& work_dir, BenchResults& r) {
  bench::ServerSpec spec{options.minikube, work_dir + "/data-a", work_dir, "server-a", nullptr, plan.ready_deadline, false, false, {}};
  auto server = bench::ServerProcess::start(spec);
  if (!server) {
    r.setup_error = server.error();
    return;
  }
  r.first_start_ms = server->ready_ms();
  pause_for(plan.settle);
  r.idle = bench::read_memory(server->pid());

  const bench::TlsMaterial& tls = *server->tls();
  auto admin = bench::ApiClient::connect(tls, server->port());
  if (!admin) {
    r.setup_error = admin.error();
    return;
  }
  const std::string ns = "bench";
  if (Status s = bench::ensure_namespace(*admin, ns); !s) {
    r.setup_error = s.error();
    return;
  }
  for (size_t clients : plan.client_counts) {
    if (bench::interrupted()) return;
    MK_LOG(info) << "bench: creates with " << clients << " client(s)";
    LoadSpec spec;
    spec.clients = clients;
    spec.duration = plan.load_duration;
    spec.max_ops_per_client = plan.max_ops_per_client;
    spec.op = create_op(ns, "create" + std::to_string(clients), plan.payload_bytes);
    r.creates.emplace_back(run_load(tls, server->port(), server->pid(), spec));
  }

  // Gets read a fixed set of ConfigMaps made for them, whatever the creates above managed.
  MK_LOG(info) << "bench: gets";
  auto made = fill(*server, plan.get_names, ns, "get", plan);
  std::vector<std::string> names;
  for (size_t i = 0; i < plan.get_names; ++i) names.push_back("get-" + std::to_string(i));
  for (size_t clients : plan.client_counts) {
    if (bench::interrupted()) return;
    if (!made || made->ok < plan.get_names) {
      r.gets.push_back(failed<LoadRun>(made ? make_error(Errc::unavailable, "could not create the ConfigMaps to get")
                                            : made.error()));
      continue;
    }
    LoadSpec spec;
    spec.clients = clients;
    spec.duration = plan.load_duration;
    spec.max_ops_per_client = plan.max_ops_per_client;
    spec.op = get_op(ns, names);
    r.gets.emplace_back(run_load(tls, server->port(), server->pid(), spec));
  }

  if (bench::interrupted()) return;
  MK_LOG(info) << "bench: watch fan-out to " << plan.watchers << " watchers";
  size_t limit = raise_open_files_limit();
  if (limit < plan.watchers + kSpareFiles) {
    r.fanout = failed<FanoutRun>(make_error(Errc::unavailable, "open-files limit " + std::to_string(limit) +
                                                                   " is too low for " +
                                                                   std::to_string(plan.watchers) + " watchers"));
  } else {
    r.watches_before = open_watch_count(*admin);
    r.fanout = run_fanout(tls, server->port(), server->pid(), *admin, plan, "fanout");
  }
  pause_for(plan.settle);
  r.after_load = bench::read_memory(server->pid());
  if (r.watches_before) r.watches_after = open_watch_count(*admin);
  server->stop();
}

void run_server_b(const Options& options, const Plan& plan, const std::string& work_dir, BenchResults& r) {
  bench::ServerSpec spec{options.minikube, work_dir + "/data-b", work_dir, "server-b", nullptr, plan.ready_deadline, false, false, {}};
  auto server = bench::ServerProcess::start(spec);
  if (!server) {
    r.held = failed<bench::ProcMemory>(server.error());
    r.restarts = failed<StartupRun>(server.error());
    return;
  }
  MK_LOG(info) << "bench: filling " << plan.held_configmaps << " ConfigMaps";
  auto admin = bench::ApiClient::connect(*server->tls(), server->port());
  Status ns = admin ? bench::ensure_namespace(*admin, "held") : Status(admin.error());
  auto made = ns ? fill(*server, plan.held_configmaps, "held", "held", plan) : Result<LoadRun>(ns.error());
  if (made) {
    r.held_count = made->ok;
    pause_for(plan.settle);
    r.held = bench::read_memory(server->pid());
  } else {
    r.held = failed<bench::ProcMemory>(made.error());
  }
  auto tls = server->tls();
  server->stop();
  if (bench::interrupted()) return;

  MK_LOG(info) << "bench: " << plan.restarts << " restarts";
  bench::ServerSpec again = spec;
  again.label = "restart";
  again.tls = tls;  // same data dir, same CA and admin certificate
  r.restarts = run_restarts(again, plan.restarts);
}

}  // namespace

size_t raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(lim.rlim_cur);
}

BenchResults run_phases(const Options& options, const Plan& plan, const std::string& work_dir) {
  BenchResults r;
  run_server_a(options, plan, work_dir, r);
  if (!r.setup_error && !bench::interrupted()) run_server_b(options, plan, work_dir, r);
  return r;
}

}  // namespace mk::apibench
