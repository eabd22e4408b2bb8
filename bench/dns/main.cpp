// dns_bench: queries per second of the embedded cluster DNS (src/agent/dns) on one core.
// Builds a zone of --services Services in memory, starts the real UDP/TCP server on 127.0.0.1
// (a free port), and drives it from a load generator thread in this process. The server's
// CPU time is the process's minus the generator's, so "per server core-second" holds even on
// a busy machine; the generator's own cost is printed beside it. Bounded: --queries per row
// and --seconds per row. Loopback only. Not a test: run it by hand.

#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "agent/dns/message.h"
#include "agent/dns/records.h"
#include "agent/dns/resolver.h"
#include "agent/dns/server.h"
#include "common/log.h"
#include "load_generator.h"

using namespace mk::agent::dns;
using nlohmann::json;

namespace {

constexpr double kTargetPerCore = 20'000;

double process_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string count_text(double v) {
  std::string digits = std::to_string(static_cast<long long>(v + 0.5));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fixed(double v, int places) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", places, v);
  return buf;
}

std::string query(const std::string& name, uint16_t type) {
  Message q;
  q.header.rd = true;
  q.questions.push_back({name, type, kClassIN});
  q.edns = Edns{};
  q.edns->udp_size = 1232;
  return encode(q);
}

void fill_zone(ClusterRecords& records, int services) {
  for (int i = 0; i < services; ++i) {
    std::string name = "svc-" + std::to_string(i);
    std::string ip = "10.43." + std::to_string(1 + i / 250) + "." + std::to_string(1 + i % 250);
    records.set_service({{"metadata", {{"name", name}, {"namespace", "bench"}}},
                         {"spec", {{"clusterIP", ip}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}});
  }
  records.set_service({{"metadata", {{"name", "db"}, {"namespace", "bench"}}},
                       {"spec", {{"clusterIP", "None"}, {"ports", {{{"name", "pg"}, {"port", 5432}}}}}}});
  json endpoints = json::array();
  for (int i = 0; i < 10; ++i)
    endpoints.push_back({{"addresses", {"10.42.0." + std::to_string(10 + i)}}, {"conditions", {{"ready", true}}}});
  records.set_endpoint_slice({{"metadata", {{"name", "db-1"}, {"namespace", "bench"}, {"labels", {{"kubernetes.io/service-name", "db"}}}}},
                              {"addressType", "IPv4"},
                              {"endpoints", endpoints},
                              {"ports", {{{"name", "pg"}, {"port", 5432}}}}});
}

struct Row {
  std::string what;
  std::string replies, per_core, wall, generator, lost, target;
};

}  // namespace

int main(int argc, char** argv) {
  uint64_t queries = 200'000;
  int seconds = 10;
  int services = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> long {
      if (i + 1 >= argc) {
        std::cerr << "dns_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return std::atol(argv[++i]);
    };
    if (a == "--queries") queries = static_cast<uint64_t>(std::max(1000L, value()));
    else if (a == "--seconds") seconds = static_cast<int>(std::max(1L, std::min(120L, value())));
    else if (a == "--services") services = static_cast<int>(std::max(1L, std::min(50000L, value())));
    else {
      std::cerr << "usage: dns_bench [--queries N (per row, default 200000)] [--seconds S (per row, default 10)]"
                   " [--services M (default 1000)]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  mk::log::set_level(mk::log::Level::warn);

  ClusterRecords records{ZoneSettings{}};
  fill_zone(records, services);
  Resolver resolver(records);
  Forwarder forwarder({}, std::chrono::milliseconds(100));
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.forward_workers = 1;
  auto server = Server::start(options, resolver, forwarder);
  if (!server) {
    std::cerr << "dns_bench: " << server.error().message << "\n";
    return 1;
  }

  std::vector<Row> rows;
  std::string target_text = ">= " + count_text(kTargetPerCore) + "/s";

  // In-process: the resolver alone, no sockets: the ceiling the server loop works under.
  {
    std::string q = query("svc-500.bench.svc.cluster.local", kA);
    uint64_t n = std::min<uint64_t>(queries, 500'000);
    double c0 = thread_cpu();
    size_t bytes = 0;
    for (uint64_t i = 0; i < n; ++i) bytes += resolver.handle(q, false).wire.size();
    double cpu = thread_cpu() - c0;
    rows.push_back({"resolver only (parse, lookup, encode), no sockets", count_text(static_cast<double>(n)),
                    count_text(static_cast<double>(n) / cpu), "-", "-", "-", bytes ? "" : "?"});
  }

  struct Case {
    std::string what, name;
    uint16_t type;
    bool tcp;
    bool headline;
  };
  std::vector<Case> cases = {
      {"A of a ClusterIP service, UDP", "svc-500.bench.svc.cluster.local", kA, false, true},
      {"A of a headless service (10 endpoints), UDP", "db.bench.svc.cluster.local", kA, false, false},
      {"NXDOMAIN (search-path miss), UDP", "svc-500.bench.bench.svc.cluster.local", kA, false, false},
      {"A of a ClusterIP service, TCP (one connection)", "svc-500.bench.svc.cluster.local", kA, true, false},
  };
  for (const auto& c : cases) {
    mk::bench::dns::LoadSpec spec;
    spec.port = (*server)->port();
    spec.query = query(c.name, c.type);
    spec.count = queries;
    spec.limit = std::chrono::seconds(seconds);
    spec.tcp = c.tcp;
    double p0 = process_cpu();
    auto r = mk::bench::dns::run_load(spec);
    double server_cpu = process_cpu() - p0 - r.cpu_seconds;
    double per_core = server_cpu > 0 ? static_cast<double>(r.received) / server_cpu : 0;
    Row row;
    row.what = c.what;
    row.replies = count_text(static_cast<double>(r.received));
    row.per_core = count_text(per_core);
    row.wall = count_text(static_cast<double>(r.received) / r.wall_seconds);
    row.generator = fixed(r.received ? r.cpu_seconds * 1e6 / static_cast<double>(r.received) : 0, 1) + " us";
    row.lost = count_text(static_cast<double>(r.lost)) + (r.wrong ? " (" + count_text(static_cast<double>(r.wrong)) + " wrong)" : "");
    row.target = c.headline ? target_text + (per_core >= kTargetPerCore ? " (met)" : " (MISSED)") : "";
    rows.push_back(row);
  }
  (*server)->stop();

  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  double load = 0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = 0;
    std::fclose(f);
  }
  std::cout << "# dns_bench: embedded cluster DNS, " << services << " services in the zone, " << count_text(static_cast<double>(queries))
            << " queries per row (each row stops at " << seconds << " s), 32 in flight, loopback\n"
            << "machine: " << cores << " cores, load average " << fixed(load, 2) << " at the end\n\n"
            << "| measurement | replies | queries/s per server core | queries/s wall | generator CPU per query | lost | target |\n"
            << "|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows)
    std::cout << "| " << r.what << " | " << r.replies << " | " << r.per_core << " | " << r.wall << " | " << r.generator << " | " << r.lost << " | "
              << r.target << " |\n";
  std::cout << "\n- per server core: replies divided by the CPU time of the server's threads (process CPU minus the\n"
               "  generator thread's), i.e. what one core sustains; wall rate depends on what else the machine runs.\n"
               "- target: CoreDNS-class throughput for a cached name, >= 20,000 queries/s on one core.\n"
               "- lost: UDP queries without a reply within 200 ms (resent as fresh queries).\n";
  return 0;
}
