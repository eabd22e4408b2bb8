// proxy_bench: the service proxy's nftables programming, timed in a network namespace of its
// own, beside kube-proxy's iptables-mode ruleset for the same services loaded with
// iptables-restore. Prints a Markdown table.
//
//   proxy_bench [--services N] [--endpoints M] [--changes K] [--quick]

#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "agent/nftables/nft.h"
#include "agent/proxy/service_table.h"
#include "command.h"
#include "iptables_ruleset.h"
#include "latency_stats.h"
#include "report_table.h"
#include "temp_dir.h"

namespace mk::proxybench {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char kUsage[] =
    "usage: proxy_bench [--services N] [--endpoints M] [--changes K] [--quick]\n"
    "  --services N   services to program (default 1000)\n"
    "  --endpoints M  ready endpoints per service (default 10)\n"
    "  --changes K    EndpointSlice changes to time (default 300)\n"
    "  --quick        100 services, 20 changes: a smoke run\n";

struct Options {
  int services = 1000, endpoints = 10, changes = 300;
};

std::string ip_of(int net, int index) {
  // 250 addresses per /24, starting at .1.
  return "10." + std::to_string(net) + "." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1);
}

json service_json(const BenchService& s) {
  return {{"metadata", {{"namespace", s.ns}, {"name", s.name}}},
          {"spec", {{"type", "ClusterIP"}, {"clusterIP", s.cluster_ip}, {"ports", {{{"name", "http"}, {"port", s.port}, {"protocol", "TCP"}}}}}}};
}

json slice_json(const BenchService& s) {
  json eps = json::array();
  for (const auto& ip : s.endpoint_ips) eps.push_back({{"addresses", {ip}}, {"conditions", {{"ready", true}}}, {"nodeName", "bench"}});
  return {{"metadata", {{"namespace", s.ns}, {"name", s.name + "-1"}, {"labels", {{"kubernetes.io/service-name", s.name}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", "http"}, {"port", s.endpoint_port}, {"protocol", "TCP"}}}},
          {"endpoints", eps}};
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Loads `ruleset` with `restore` twice (the first load, then the full rewrite a sync makes);
// returns the two times in ms, or an error text.
struct RestoreTimes {
  bool ok = false;
  double first_ms = 0, again_ms = 0;
  std::string error;
};

RestoreTimes time_restore(const std::string& restore, const std::string& file, const std::string& log) {
  RestoreTimes t;
  if (::access(restore.c_str(), X_OK) != 0) {
    t.error = restore + " is not installed";
    return t;
  }
  for (int i = 0; i < 2; ++i) {
    auto r = bench::run_command({restore, "--noflush", file}, log, std::chrono::minutes(5));
    if (!r || r->exit_code != 0) {
      t.error = restore + ": " + (r ? bench::last_line(r->output) : r.error().message);
      return t;
    }
    (i == 0 ? t.first_ms : t.again_ms) = static_cast<double>(r->elapsed_ns) / 1e6;
  }
  t.ok = true;
  return t;
}

int run(const Options& o, bool quick) {
  double load_start = -1;
  getloadavg(&load_start, 1);
  if (::geteuid() != 0) {
    std::cout << "proxy_bench: skipped: programming nftables needs root\n";
    return 0;
  }
  // A network namespace of our own for this thread and every program it starts: nothing is
  // left on the host, whatever happens.
  if (::unshare(CLONE_NEWNET) != 0) {
    std::cerr << "proxy_bench: unshare(CLONE_NEWNET): " << std::strerror(errno) << "\n";
    return 1;
  }
  auto nft = agent::nftables::Nft::open();
  if (!nft) {
    std::cerr << "proxy_bench: " << nft.error().message << "\n";
    return 1;
  }

  std::vector<BenchService> services;
  for (int i = 0; i < o.services; ++i) {
    BenchService s;
    s.ns = "bench";
    s.name = "svc-" + std::to_string(i);
    s.cluster_ip = ip_of(43, i + 250);  // from 10.43.1.1: clear of the cluster DNS address
    for (int j = 0; j < o.endpoints; ++j) s.endpoint_ips.push_back(ip_of(42, i * o.endpoints + j));
    services.push_back(std::move(s));
  }

  agent::proxy::ProxySettings settings;
  settings.node_name = "bench";
  agent::proxy::ServiceTable table(settings);
  for (const auto& s : services) {
    table.upsert_service(service_json(s));
    table.upsert_slice(slice_json(s));
  }
  agent::proxy::SyncStats initial;
  auto t0 = Clock::now();
  table.sync(*nft, &initial);
  double initial_ms = ms(Clock::now() - t0);
  size_t chains = table.chain_count();
  if (table.dirty()) {
    std::cerr << "proxy_bench: the initial sync failed (see the log above)\n";
    return 1;
  }

  // One EndpointSlice change at a time: an endpoint of a random service replaced by a new one.
  std::mt19937 rng(42);
  std::vector<int64_t> samples;
  int next_ip = 0;
  for (int c = 0; c < o.changes; ++c) {
    auto& s = services[rng() % services.size()];
    s.endpoint_ips[rng() % s.endpoint_ips.size()] = ip_of(44, next_ip++);
    json slice = slice_json(s);
    agent::proxy::SyncStats stats;
    auto start = Clock::now();
    table.upsert_slice(slice);
    table.sync(*nft, &stats);
    samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    // Changes arrive apart in real life; leave the deferred chain deletions their own passes.
    if (c % 50 == 49) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1100));
      table.sync(*nft);
    }
  }
  auto change = bench::summarize(samples);
  double min_ms = samples.empty() ? 0 : static_cast<double>(samples.front()) / 1e6;

  // The baseline: kube-proxy's iptables ruleset for the same services.
  const char* tmp = std::getenv("TMPDIR");
  auto dir = bench::TempDir::create(tmp && *tmp ? tmp : "/tmp", "proxy-bench.");
  if (!dir) {
    std::cerr << "proxy_bench: " << dir.error().message << "\n";
    return 1;
  }
  std::string file = dir->path() + "/kube-proxy.rules";
  std::ofstream(file) << iptables_ruleset(services, settings.cluster_cidr);
  RestoreTimes nft_backend = time_restore("/usr/sbin/iptables-nft-restore", file, dir->path() + "/restore.log");
  RestoreTimes legacy = time_restore("/usr/sbin/iptables-legacy-restore", file, dir->path() + "/restore.log");

  auto ratio = [](double ours, const RestoreTimes& base, bool again) {
    return base.ok ? bench::format_ratio((again ? base.again_ms : base.first_ms) / ours) : std::string("n/a");
  };
  auto base_text = [](const RestoreTimes& base, bool again) {
    return base.ok ? bench::format_ms(again ? base.again_ms : base.first_ms) : std::string("n/a");
  };

  std::cout << "## Service proxy: nftables programming (" << o.services << " services x " << o.endpoints
            << " endpoints" << (quick ? ", quick run" : "") << ")\n\n";
  std::cout << "Rules: " << chains << " chains in table ip " << table.table() << ", "
            << o.services * (o.endpoints + 1) << " rules; kube-proxy iptables baseline: "
            << o.services * (1 + o.endpoints) + 3 << " chains.\n\n";
  std::cout << "| measurement | minikube (libnftables, incremental) | kube-proxy iptables mode (iptables-nft-restore) | "
               "speed-up | kube-proxy iptables mode (iptables-legacy-restore) | target |\n";
  std::cout << "|---|---:|---:|---:|---:|---|\n";
  std::cout << "| initial sync, all services | " << bench::format_ms(initial_ms) << " (rules built in "
            << bench::format_ms(static_cast<double>(initial.build.count()) / 1000) << ") | " << base_text(nft_backend, false)
            << " | " << ratio(initial_ms, nft_backend, false) << " | " << base_text(legacy, false) << " | |\n";
  std::cout << "| one EndpointSlice change to rules in place, p50 (" << change.samples << " changes) | "
            << bench::format_ms(change.p50_ms) << " | " << base_text(nft_backend, true) << " (full rewrite) | "
            << ratio(change.p50_ms, nft_backend, true) << " | " << base_text(legacy, true) << " | < 10 ms |\n";
  std::cout << "| same, p99 | " << bench::format_ms(change.p99_ms) << " | | " << ratio(change.p99_ms, nft_backend, true)
            << " | | < 10 ms |\n";
  std::cout << "| same, max | " << bench::format_ms(change.max_ms) << " | | | | |\n";
  std::cout << "| same, min (the machine at its quietest) | " << bench::format_ms(min_ms) << " | | | | |\n\n";
  std::cout << "- A change rewrites one service's chain (a cascade of random draws, each DNATing to one endpoint) and "
               "its hairpin elements in one transaction; the other services' chains and elements are not touched. "
               "libnftables fetches every chain and set of the namespace before each transaction, which is why there "
               "is no chain per endpoint (kube-proxy's nftables mode has one) and no anonymous set.\n";
  std::cout << "- The baseline is kube-proxy's iptables-mode nat ruleset for the same services (KUBE-SERVICES, "
               "KUBE-SVC-* statistic cascade, KUBE-SEP-* DNAT), loaded with `--noflush` as kube-proxy does; the second "
               "load is what a full resync rewrites (every change before kube-proxy 1.26, and periodically since).\n";
  if (!nft_backend.ok) std::cout << "- iptables-nft-restore: " << nft_backend.error << "\n";
  if (!legacy.ok) std::cout << "- iptables-legacy-restore: " << legacy.error << "\n";
  std::cout << "- Times include libnftables parsing the commands and the kernel committing them; the watch delivering "
               "the change from the API server comes on top.\n";
  unsigned cores = std::thread::hardware_concurrency();
  double load[1] = {-1};
  getloadavg(load, 1);
  std::cout << "- Machine: " << cores << " cores, load average " << load_start << " at the start and " << load[0]
            << " at the end (other work on the machine shows in p50, p99 and max).\n";
  return 0;
}

}  // namespace
}  // namespace mk::proxybench

int main(int argc, char** argv) {
  mk::proxybench::Options o;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> int {
      if (i + 1 >= argc) {
        std::cerr << "proxy_bench: " << a << " needs a value\n" << mk::proxybench::kUsage;
        std::exit(2);
      }
      int v = std::atoi(argv[++i]);
      if (v <= 0) {
        std::cerr << "proxy_bench: " << a << " needs a positive number\n";
        std::exit(2);
      }
      return v;
    };
    if (a == "--services") o.services = value();
    else if (a == "--endpoints") o.endpoints = value();
    else if (a == "--changes") o.changes = value();
    else if (a == "--quick") quick = true;
    else if (a == "--help" || a == "-h") {
      std::cout << mk::proxybench::kUsage;
      return 0;
    } else {
      std::cerr << "proxy_bench: unknown option " << a << "\n" << mk::proxybench::kUsage;
      return 2;
    }
  }
  if (quick) {
    o.services = 100;
    o.changes = 20;
  }
  if (o.services > 60000 || o.endpoints * o.services > 60000) {
    std::cerr << "proxy_bench: at most 60,000 services and endpoints (the address plan)\n";
    return 2;
  }
  return mk::proxybench::run(o, quick);
}
