#include "shim_memory.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "command.h"

namespace mk::rtbench {
namespace {

// The value in kB of a "Name:   1234 kB" line, in bytes; -1 when absent.
int64_t read_kb_field(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stoll(line.substr(name.size() + 1)) * 1024;
  }
  return -1;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<int> shim_pid_of(const CliSide& side, const std::string& uid) {
  auto argv = runtime_command(side, "ps");
  argv.push_back("--json");
  auto r = bench::run_checked(argv, side.work + "/cli-ps.log", std::chrono::seconds(30));
  if (!r) return r.error();
  auto pods = nlohmann::json::parse(r->output, nullptr, false);
  if (!pods.is_array()) return make_error(Errc::corrupt, "runtime ps --json: not a JSON array");
  for (const auto& p : pods) {
    if (p.value("uid", "") == uid) return p.value("shim_pid", 0);
  }
  return make_error(Errc::not_found, "runtime ps --json: no pod " + uid);
}

// The pid must be a minikube-shim serving a pod under our data dir: nothing else is read.
Status check_is_our_shim(int pid, const CliSide& side) {
  std::error_code ec;
  std::string proc = "/proc/" + std::to_string(pid);
  auto exe = std::filesystem::read_symlink(proc + "/exe", ec);
  if (ec || exe.filename() != "minikube-shim") {
    return make_error(Errc::not_found, "pid " + std::to_string(pid) + " is not a minikube-shim");
  }
  if (read_all(proc + "/cmdline").find(side.data_dir) == std::string::npos) {
    return make_error(Errc::not_found, "pid " + std::to_string(pid) + " does not serve " + side.data_dir);
  }
  return Status::ok();
}

}  // namespace

Result<ShimMemory> measure_shim_memory(const CliSide& side, const Plan& plan) {
  const std::string uid = "bench-memory";
  auto argv = runtime_command(side, "run");
  argv.insert(argv.end(), {"-d", "--rootfs", side.rootfs, "--uid", uid, "--grace-period", "0", "--", "sleep", "1000"});
  auto started = bench::run_checked(argv, side.work + "/cli-run-memory.log", plan.command_timeout);
  if (!started) {
    remove_pod(side, uid);
    return started.error().wrap("runtime run -d");
  }
  auto result = [&]() -> Result<ShimMemory> {
    auto pid = shim_pid_of(side, uid);
    if (!pid) return pid.error();
    if (*pid <= 0) return make_error(Errc::unavailable, "pod " + uid + ": no running shim");
    if (Status s = check_is_our_shim(*pid, side); !s) return s.error();
    // Let the shim finish its start-up work before reading.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::string proc = "/proc/" + std::to_string(*pid);
    ShimMemory m;
    m.pid = *pid;
    m.rss_bytes = read_kb_field(proc + "/status", "VmRSS");
    m.pss_bytes = read_kb_field(proc + "/smaps_rollup", "Pss");
    if (m.rss_bytes < 0) return make_error(Errc::not_found, proc + "/status: no VmRSS");
    return m;
  }();
  remove_pod(side, uid);
  return result;
}

}  // namespace mk::rtbench
