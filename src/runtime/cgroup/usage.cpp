// Cgroup::usage: CPU time, working set, process count and OOM kills, for metrics and exit reasons.
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_files.h"

namespace mk::runtime::cgroup {
namespace {

// Working set as kubelet and `kubectl top` count it: usage less the inactive page cache.
uint64_t working_set(const Result<uint64_t>& usage, std::optional<uint64_t> inactive_file) {
  if (!usage) return 0;
  uint64_t inactive = inactive_file.value_or(0);
  return *usage > inactive ? *usage - inactive : 0;
}

}  // namespace

Result<Usage> Cgroup::usage() const {
  Usage u;
  bool found = false;
  if (layout_.mode == Mode::v2) {
    const std::string dir = layout_.unified + "/" + path_;
    found = files::exists(dir);
    // cpu.stat's usage_usec is there even without the cpu controller.
    u.cpu_usage_ns = files::read_key(dir + "/cpu.stat", "usage_usec").value_or(0) * 1000;
    u.memory_bytes = working_set(files::read_u64(dir + "/memory.current"), files::read_key(dir + "/memory.stat", "inactive_file"));
    u.oom_kills = files::read_key(dir + "/memory.events", "oom_kill").value_or(0);
    auto current = files::read_u64(dir + "/pids.current");
    u.pids = current ? *current : pids().size();
  } else {
    auto dir = [&](const char* controller) {
      std::string mount = layout_.v1_mount(controller);
      return mount.empty() ? std::string() : mount + "/" + path_;
    };
    for (const auto& d : dirs()) found = found || files::exists(d);
    if (auto cpuacct = dir("cpuacct"); !cpuacct.empty()) {
      if (auto ns = files::read_u64(cpuacct + "/cpuacct.usage")) u.cpu_usage_ns = *ns;
    }
    if (auto memory = dir("memory"); !memory.empty()) {
      // total_inactive_file counts the descendants too, as memory.usage_in_bytes does.
      u.memory_bytes = working_set(files::read_u64(memory + "/memory.usage_in_bytes"),
                                   files::read_key(memory + "/memory.stat", "total_inactive_file"));
      // The oom_kill line exists since Linux 4.13; older kernels report no kills.
      u.oom_kills = files::read_key(memory + "/memory.oom_control", "oom_kill").value_or(0);
    }
    auto current = files::read_u64(dir("pids") + "/pids.current");  // "/pids.current" fails when unmounted
    u.pids = current ? *current : pids().size();
  }
  if (!found) return make_error(Errc::not_found, "read usage of cgroup " + path_ + ": no such cgroup");
  return u;
}

}  // namespace mk::runtime::cgroup
