// network_bench: TCP throughput between pods of a single-node minikube cluster: pod to pod IP,
// pod to a ClusterIP (through the service proxy's nftables DNAT), and inside one pod over
// loopback as the ceiling. `minikube server` with its agent runs in a network namespace the
// benchmark makes and deletes, so nothing touches the host's network. Needs root.

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <thread>

#include "api_client.h"
#include "busybox_rootfs.h"
#include "command.h"
#include "common/log.h"
#include "image_layout.h"
#include "interrupt.h"
#include "machine_info.h"
#include "minikube_cleanup.h"
#include "private_netns.h"
#include "report_table.h"
#include "server_process.h"
#include "temp_dir.h"

namespace mk::netbench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kImage = "bench.local/network-bench:1";
constexpr const char* kNodeCidr = "10.213.0.1/24";
constexpr const char* kNodeIp = "10.213.0.1";
constexpr int kPort = 5001;
const std::string kPods = "/api/v1/namespaces/default/pods";

const char* const kUsage =
    "usage: network_bench [--quick] [--mib N] [--runs N] [--out FILE] [--minikube PATH] [--dir DIR] [--debug]\n"
    "  Starts `minikube server` with its agent (pod network and service proxy on) in a network\n"
    "  namespace of its own, and times busybox-static pods sending N MiB with `dd | nc`: to a\n"
    "  sink pod's IP, to its Service's ClusterIP, and over loopback inside one pod. Prints the\n"
    "  median MB/s of the runs. Needs root. Everything it makes is removed at the end.\n"
    "  --quick          4 MiB per run, for a smoke check\n"
    "  --mib N          MiB per run (default 1024)\n"
    "  --runs N         runs per row (default 3)\n"
    "  --out FILE       also write the table to FILE\n"
    "  --minikube PATH  the binary to measure (default: " MINIKUBE_BINARY ")\n"
    "  --dir DIR        where the temporary directory goes (default: system temp dir)\n"
    "  --debug          log what the benchmark does\n";

struct Options {
  bool quick = false, debug = false, help = false;
  long mib = 0, runs = 3;
  std::string out, dir, minikube = MINIKUBE_BINARY;
};

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return make_error(Errc::invalid_argument, std::string(arg) + " needs a value");
      return std::string(argv[++i]);
    };
    auto count = [&](long& into) -> Status {
      auto v = value();
      if (!v) return v.error();
      char* end = nullptr;
      long n = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || n < 1 || n > 100000) {
        return make_error(Errc::invalid_argument, std::string(arg) + " wants a whole number from 1 to 100000");
      }
      into = n;
      return Status::ok();
    };
    Status s;
    if (arg == "--quick") o.quick = true;
    else if (arg == "--debug") o.debug = true;
    else if (arg == "--help" || arg == "-h") o.help = true;
    else if (arg == "--mib") s = count(o.mib);
    else if (arg == "--runs") s = count(o.runs);
    else if (arg == "--out" || arg == "--dir" || arg == "--minikube") {
      auto v = value();
      if (!v) return v.error();
      (arg == "--out" ? o.out : arg == "--dir" ? o.dir : o.minikube) = *v;
    } else {
      return make_error(Errc::invalid_argument, "unknown argument " + std::string(arg));
    }
    if (!s) return s.error();
  }
  if (o.mib == 0) o.mib = o.quick ? 4 : 1024;
  std::error_code ec;
  if (o.dir.empty()) {
    auto tmp = std::filesystem::temp_directory_path(ec);
    o.dir = ec ? "/tmp" : tmp.string();
  }
  auto absolute = std::filesystem::absolute(o.minikube, ec);
  if (!ec) o.minikube = absolute.string();
  return o;
}

double load_average() {
  double load[1];
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

bool pause_for(std::chrono::milliseconds d) {
  auto until = Clock::now() + d;
  while (Clock::now() < until && !bench::interrupted()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return !bench::interrupted();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The image: busybox-static in one layer, as a tarball the agent imports from its images dir.
Status write_image(const std::string& work, const std::string& images_dir) {
  std::string rootfs = work + "/image-rootfs", layout = work + "/image-layout";
  if (Status s = bench::make_busybox_rootfs(rootfs); !s) return s.error().wrap("busybox root");
  if (Status s = bench::write_image_layout(layout, rootfs, 0, kImage, work); !s) return s.error().wrap("image layout");
  std::error_code ec;
  std::filesystem::create_directories(images_dir, ec);
  if (ec) return make_error(Errc::io, "create " + images_dir + ": " + ec.message());
  auto r = bench::run_checked({"/usr/bin/tar", "-C", layout, "-cf", images_dir + "/network-bench.tar", "."},
                              work + "/tar.log", std::chrono::minutes(2));
  if (!r) return r.error().wrap("airgap tarball");
  return Status::ok();
}

Status wait_agent_joined(bench::ServerProcess& server, const std::string& node, Clock::time_point deadline) {
  const std::string line = "agent: node " + node + " joined";
  for (;;) {
    std::string log = read_text(server.log_path());
    if (log.find(line) != std::string::npos) return Status::ok();
    if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (Clock::now() > deadline) {
      return make_error(Errc::unavailable, "the agent did not join in time: " + bench::log_tail(server.log_path()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// A listener that takes one connection after another and throws the bytes away. busybox nc
// half-closes when its stdin ends, so its stdin is a pipe that never ends.
std::string sink_loop(int port) {
  return "busybox sleep 1000000 | while true; do busybox nc -l -p " + std::to_string(port) + " >/dev/null; done";
}

// Sends `mib` MiB to host:port and prints the uptime before and after (10 ms resolution).
std::string sender(const std::string& host, long mib) {
  return "s=$(busybox cat /proc/uptime); busybox dd if=/dev/zero bs=65536 count=" + std::to_string(mib * 16) +
         " 2>/dev/null | busybox nc " + host + " " + std::to_string(kPort) +
         " || exit 3; e=$(busybox cat /proc/uptime); echo \"nbtime $s $e\"";
}

json pod(const std::string& name, const std::string& script, bool sink) {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"labels", {{"app", sink ? "nb-sink" : "nb-client"}}}}},
            {"spec",
             {{"terminationGracePeriodSeconds", 0},
              {"restartPolicy", sink ? "Always" : "Never"},
              {"containers",
               {{{"name", "c"},
                 {"image", kImage},
                 {"imagePullPolicy", "Never"},
                 {"command", {"/bin/busybox", "sh", "-c", script}}}}}}}};
  return p;
}

// Polls the pod until `done` says so; returns its last object.
Result<json> wait_pod(bench::ApiClient& client, const std::string& name, Clock::time_point deadline,
                      bool (*done)(const json&)) {
  for (;;) {
    auto r = client.get(kPods + "/" + name);
    if (!r) return r.error();
    if (r->status == 200) {
      json p = json::parse(r->body, nullptr, false);
      if (!p.is_discarded() && done(p)) return p;
    }
    if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (Clock::now() > deadline) return make_error(Errc::unavailable, "pod " + name + " not ready in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string phase(const json& p) { return p.value("/status/phase"_json_pointer, std::string()); }

struct Sample {
  double mb_per_s = 0;
  std::string error;
};

// One client pod; its log's "nbtime" line gives the seconds. A refused connection (the sink's
// listener between two connections, or the proxy's rules not in yet) is retried.
Sample one_run(bench::ApiClient& client, const std::string& name, const std::string& script, long mib,
               std::chrono::seconds budget) {
  Sample out;
  auto deadline = Clock::now() + budget;
  for (int attempt = 0;; ++attempt) {
    std::string pod_name = name + "-" + std::to_string(attempt);
    auto created = client.post_json(kPods, pod(pod_name, script, false).dump());
    if (!created || created->status != 201) {
      out.error = created ? bench::http_error("create " + pod_name, *created).message : created.error().message;
      return out;
    }
    auto p = wait_pod(client, pod_name, deadline,
                      [](const json& p) { return phase(p) == "Succeeded" || phase(p) == "Failed"; });
    if (!p) {
      out.error = p.error().message;
      return out;
    }
    auto log = client.get(kPods + "/" + pod_name + "/log");
    (void)client.delete_json(kPods + "/" + pod_name, R"({"gracePeriodSeconds":0})");
    if (phase(*p) == "Succeeded" && log && log->status == 200) {
      std::istringstream in(log->body.substr(std::min(log->body.size(), log->body.find("nbtime"))));
      std::string tag;
      double start = 0, idle = 0, end = 0;
      if (in >> tag >> start >> idle >> end && tag == "nbtime") {
        double seconds = std::max(end - start, 0.01);
        out.mb_per_s = static_cast<double>(mib) * 1048576.0 / 1e6 / seconds;
        return out;
      }
      out.error = "no timing in the log of " + pod_name;
      return out;
    }
    if (Clock::now() > deadline || bench::interrupted()) {
      out.error = pod_name + " failed" + (log && log->status == 200 ? ": " + bench::last_line(log->body) : "");
      return out;
    }
    pause_for(std::chrono::milliseconds(200));
  }
}

struct Row {
  std::string name, comparison;
  std::vector<double> mb_per_s;
  std::string error;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string mbs(double v) {
  char b[32];
  std::snprintf(b, sizeof b, v >= 100 ? "%.0f MB/s" : "%.1f MB/s", v);
  return b;
}

Status measure(bench::ApiClient& client, const Options& o, std::vector<Row>& rows) {
  auto ready_deadline = Clock::now() + std::chrono::seconds(60);
  auto created = client.post_json(kPods, pod("nb-sink", sink_loop(kPort), true).dump());
  if (!created) return created.error();
  if (created->status != 201) return bench::http_error("create sink pod", *created);
  json svc = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"name", "nb-sink"}}},
              {"spec", {{"selector", {{"app", "nb-sink"}}}, {"ports", {{{"port", kPort}, {"targetPort", kPort}}}}}}};
  auto made = client.post_json("/api/v1/namespaces/default/services", svc.dump());
  if (!made) return made.error();
  if (made->status != 201) return bench::http_error("create service", *made);
  std::string cluster_ip = json::parse(made->body, nullptr, false).value("/spec/clusterIP"_json_pointer, std::string());
  auto sink = wait_pod(client, "nb-sink", ready_deadline, [](const json& p) {
    return phase(p) == "Running" && !p.value("/status/podIP"_json_pointer, std::string()).empty();
  });
  if (!sink) return sink.error().wrap("sink pod");
  std::string pod_ip = (*sink)["status"]["podIP"];
  MK_LOG(info) << "bench: sink pod " << pod_ip << ", service " << cluster_ip;
  if (cluster_ip.empty()) return make_error(Errc::unavailable, "the service has no clusterIP");

  const auto budget = std::chrono::seconds(o.quick ? 30 : 120);
  // A warm-up: the first pod loads the image and proves the path works; not counted.
  Sample warm = one_run(client, "nb-warm", sender(pod_ip, 1), 1, budget);
  if (!warm.error.empty()) return make_error(Errc::unavailable, "warm-up: " + warm.error);

  std::string loopback = "(" + sink_loop(kPort) + ") & " + sender("127.0.0.1", o.mib);
  rows = {{"pod → pod IP (same node, bridge)", "loopback", {}, {}},
          {"pod → ClusterIP (same node, nftables DNAT)", "pod IP", {}, {}},
          {"loopback inside one pod (ceiling)", "", {}, {}}};
  const std::string scripts[] = {sender(pod_ip, o.mib), sender(cluster_ip, o.mib), loopback};
  const char* names[] = {"nb-podip", "nb-clusterip", "nb-loopback"};
  for (long run = 0; run < o.runs; ++run) {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (bench::interrupted()) return make_error(Errc::cancelled, "interrupted");
      if (!rows[i].error.empty()) continue;
      MK_LOG(info) << "bench: " << names[i] << " run " << run + 1;
      Sample s = one_run(client, std::string(names[i]) + "-" + std::to_string(run), scripts[i], o.mib, budget);
      if (s.error.empty()) rows[i].mb_per_s.push_back(s.mb_per_s);
      else rows[i].error = s.error;
    }
  }
  return Status::ok();
}

int run(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::cerr << "network_bench: " << options.error().message << "\n" << kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  if (::geteuid() != 0) {
    std::cout << "network_bench: skipped: pods and a network namespace need root\n";
    return 0;
  }
  if (options->debug) log::set_level(log::Level::debug);
  bench::install_interrupt_handler();
  double load_start = load_average();
  unsigned cores = bench::machine_info(options->dir).cores;

  std::vector<Row> rows;
  std::string failure;
  {
    auto work = bench::TempDir::create(options->dir, "network-bench-");
    if (!work) {
      std::cerr << "network_bench: " << work.error().message << "\n";
      return 1;
    }
    const std::string data_dir = work->path() + "/data";
    if (Status s = write_image(work->path(), data_dir + "/agent/images"); !s) {
      std::cerr << "network_bench: test image: " << s.error().message << "\n";
      return 1;
    }
    const std::string id = std::to_string(::getpid());
    auto netns = PrivateNetns::create("mk-netbench-" + id, kNodeCidr, work->path() + "/ip.log");
    if (!netns) {
      std::cerr << "network_bench: " << netns.error().message << "\n";
      return 1;
    }
    if (Status s = netns->enter(); !s) {
      std::cerr << "network_bench: " << s.error().message << "\n";
      return 1;
    }
    const std::string shim = std::filesystem::path(options->minikube).parent_path().string() + "/minikube-shim";
    // Declared after the namespace and before the server: runs after the server has stopped,
    // still inside the namespace.
    podbench::MinikubeCleanup cleanup(data_dir, shim);
    bench::ServerSpec spec;
    spec.binary = options->minikube;
    spec.data_dir = data_dir;
    spec.work_dir = work->path();
    spec.label = "minikube-server";
    spec.deadline = std::chrono::seconds(60);
    spec.agent = true;
    spec.private_network = true;
    const std::string node = "network-bench-" + id;
    spec.extra_args = {"--node-name", node, "--node-ip", kNodeIp, "--disable-cluster-dns"};
    auto kubelet_port = bench::free_loopback_port();
    if (kubelet_port) spec.extra_args.insert(spec.extra_args.end(), {"--kubelet-port", std::to_string(*kubelet_port)});
    MK_LOG(info) << "bench: starting minikube server with its agent in namespace " << netns->name();
    auto started = Clock::now();
    auto server = bench::ServerProcess::start(spec);
    if (!server) {
      failure = server.error().message;
    } else if (Status s = wait_agent_joined(*server, node, started + spec.deadline); !s) {
      failure = s.error().message;
    } else if (auto client = bench::ApiClient::connect(*server->tls(), server->port()); !client) {
      failure = client.error().message;
    } else if (Status m = measure(*client, *options, rows); !m) {
      failure = m.error().message + " (server log: " + bench::log_tail(server->log_path()) + ")";
    }
    if (server) server->stop(std::chrono::milliseconds(30'000));
  }
  if (bench::interrupted()) {
    std::cerr << "network_bench: interrupted\n";
    return 130;
  }

  bench::Report report;
  report.preamble = {"TCP throughput between busybox-static pods of a single-node minikube cluster, " +
                     std::to_string(options->mib) + " MiB per run, median of " + std::to_string(options->runs) +
                     " runs; " + std::to_string(cores) + " cores; load average " + std::to_string(load_start).substr(0, 4) +
                     " at the start, " + std::to_string(load_average()).substr(0, 4) + " at the end."};
  report.ours_header = "minikube";
  report.other_header = "compared with";
  double loop = rows.size() == 3 ? median(rows[2].mb_per_s) : 0;
  double podip = rows.size() == 3 ? median(rows[0].mb_per_s) : 0;
  bool any_error = !failure.empty();
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    bench::ReportRow out;
    out.measurement = r.name;
    double m = median(r.mb_per_s);
    out.ours = r.mb_per_s.empty() ? "error" : mbs(m);
    if (!r.error.empty()) {
      any_error = true;
      report.notes.push_back(r.name + ": " + r.error);
    }
    double base = i == 0 ? loop : i == 1 ? podip : 0;
    if (base > 0 && m > 0) {
      out.etcd = r.comparison + " " + mbs(base);
      out.ratio = bench::format_ratio(m / base);
    }
    report.rows.push_back(out);
    if (!r.mb_per_s.empty()) {
      std::string runs;
      for (double v : r.mb_per_s) runs += (runs.empty() ? "" : ", ") + mbs(v);
      report.notes.push_back(r.name + ", each run: " + runs);
    }
  }
  if (!failure.empty()) report.notes.push_back("run failed: " + failure);
  report.notes.push_back(
      "Each run is a new client pod: `dd if=/dev/zero bs=64k | busybox nc <ip> 5001` into a sink pod's "
      "`busybox nc -l` that throws the bytes away; the time is /proc/uptime read in the pod before and after "
      "(10 ms resolution), so small --quick runs are coarse.");
  report.notes.push_back(
      "busybox nc copies 1 KiB per read/write system call, so every row is bounded by nc's system calls "
      "as much as by the path: the ratios show what the bridge and the DNAT add, not the kernel's ceiling.");
  report.notes.push_back(
      "The server and its agent run in a network namespace the benchmark made (a veth end inside it holds the "
      "node IP); pod network and service proxy are on, cluster DNS off. The namespace is deleted at the end.");
  std::string text = bench::render_markdown(report);
  std::cout << text << std::flush;
  if (!options->out.empty()) {
    std::ofstream out(options->out);
    out << text;
  }
  return any_error ? 1 : 0;
}

}  // namespace
}  // namespace mk::netbench

int main(int argc, char** argv) { return mk::netbench::run(argc, argv); }
