#pragma once
// cgroups for pods and containers on v1, v2 and hybrid hosts (the layout is read from
// /proc/self/mountinfo, never assumed). Paths are relative to the runtime's cgroup root, e.g.
// "kubepods/burstable/pod<uid>/<container>", and exist under every hierarchy that matters:
// one directory on v2, one per controller (cpu, cpuacct, memory, pids, freezer, ...) on v1.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::cgroup {

enum class Mode { v1, v2, hybrid };

// Where the hierarchies are mounted. `root` is prefixed to every path the runtime uses (for
// tests and for several agents on one host: "minikube-<node>").
struct Layout {
  Mode mode = Mode::v2;
  std::string unified;                                      // the cgroup2 mount ("" if none)
  std::vector<std::pair<std::string, std::string>> v1;      // controller -> its mount point
  std::vector<std::string> v2_controllers;                  // the v2 mount's cgroup.controllers
  bool v2_has(const std::string& controller) const;         // controller enabled on the v2 mount
  // The mount point of a v1 controller ("" if it is not mounted on its own hierarchy).
  std::string v1_mount(const std::string& controller) const;
};

// Reads /proc/self/mountinfo (or `mountinfo_text` when given, for tests of other layouts).
// v2: everything on the cgroup2 mount. v1: one hierarchy per controller. hybrid (v1 controllers
// plus a cgroup2 mount): resources on the v1 hierarchies, the cgroup2 mount only tracks processes.
Result<Layout> detect(const std::string& mountinfo_text = "");

// Kubernetes resources, already converted from quantities.
struct Resources {
  std::optional<uint64_t> cpu_shares;       // from requests.cpu (millicores * 1024 / 1000, min 2)
  std::optional<int64_t> cpu_quota_us;      // from limits.cpu with period 100000; < 0: unlimited
  uint64_t cpu_period_us = 100000;
  std::optional<int64_t> memory_limit;      // bytes; < 0: unlimited
  std::optional<int64_t> pids_limit;        // <= 0: unlimited
};

// v2 cpu.weight from v1 shares, as crun/runc convert it (the current quadratic mapping, which
// takes the v1 default 1024 to the v2 default 100; 2 -> 1, 262144 -> 10000).
uint64_t shares_to_weight(uint64_t shares);

struct Usage {
  uint64_t cpu_usage_ns = 0;
  uint64_t memory_bytes = 0;         // working set (usage - inactive file)
  uint64_t pids = 0;
  uint64_t oom_kills = 0;            // memory.events oom_kill (v2) / memory.oom_control (v1)
};

// One cgroup (a directory in each relevant hierarchy). RAII only for the handle: the kernel
// object stays until remove(), since pods outlive the process that made them.
class Cgroup {
 public:
  // Creates the directories (parents too) and enables controllers on v2.
  static Result<Cgroup> create(const Layout& layout, const std::string& path);
  // Opens an existing cgroup (re-adoption after a restart).
  static Result<Cgroup> open(const Layout& layout, const std::string& path);

  const std::string& path() const { return path_; }
  Status apply(const Resources& r);
  // Moves a process in (every hierarchy).
  Status add(pid_t pid);
  // The files a child writes its own pid into before exec ("cgroup.procs" of each hierarchy).
  std::vector<std::string> procs_files() const;
  // Every process in the cgroup and its descendants, in any hierarchy (sorted, no duplicates).
  std::vector<pid_t> pids() const;
  Result<Usage> usage() const;
  // SIGKILL to every process (cgroup.kill on v2 when present, else freeze + kill + thaw).
  Status kill_all();
  // Removes the directories, descendants first (after the processes are gone); missing ones
  // are fine.
  Status remove();

 private:
  Cgroup(Layout layout, std::string path) : layout_(std::move(layout)), path_(std::move(path)) {}
  std::vector<std::string> dirs() const;
  Layout layout_;
  std::string path_;
};

}  // namespace mk::runtime::cgroup
