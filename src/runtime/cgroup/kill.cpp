// Cgroup::kill_all: SIGKILL to every process of the cgroup and its descendants.
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_files.h"

namespace mk::runtime::cgroup {
namespace {

using Clock = std::chrono::steady_clock;

// Polls until `done` holds or a second has passed; freezing waits on tasks leaving syscalls.
template <typename Pred>
bool wait_for(Pred done) {
  auto deadline = Clock::now() + std::chrono::seconds(1);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Status kill_each(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) {
    if (::kill(pid, SIGKILL) != 0 && errno != ESRCH) return errno_error("kill pid " + std::to_string(pid), errno);
  }
  return Status::ok();
}

}  // namespace

Status Cgroup::kill_all() {
  const std::string what = "kill processes of cgroup " + path_;
  const std::string unified = layout_.unified.empty() ? "" : layout_.unified + "/" + path_;
  const bool has_unified_dir = layout_.mode != Mode::v1 && !unified.empty() && files::exists(unified);

  // cgroup.kill (Linux 5.14) kills the whole subtree at once, so nothing forks its way out.
  bool killed = false;
  if (has_unified_dir && files::exists(unified + "/cgroup.kill")) {
    if (auto s = files::write(unified + "/cgroup.kill", "1"); !s) return s.error().wrap(what);
    killed = true;
  }
  if (layout_.mode == Mode::v2) {
    if (killed) return Status::ok();
    // Older kernels: freeze so nothing forks between listing and killing, kill, always thaw
    // (a frozen task dies only once thawed on some kernels).
    const bool frozen = files::exists(unified + "/cgroup.freeze") && files::write(unified + "/cgroup.freeze", "1");
    if (frozen) wait_for([&] { return files::read_key(unified + "/cgroup.events", "frozen").value_or(0) == 1; });
    Status s = kill_each(pids());
    if (frozen) (void)files::write(unified + "/cgroup.freeze", "0");
    if (!s) return s.error().wrap(what);
    return Status::ok();
  }

  // v1 and hybrid: the v1 hierarchies may hold processes the cgroup2 directory does not (those
  // added through v1 only), so they are always swept, under the freezer when there is one.
  const std::string freezer_mount = layout_.v1_mount("freezer");
  const std::string state = freezer_mount.empty() ? "" : freezer_mount + "/" + path_ + "/freezer.state";
  const bool frozen = !state.empty() && files::exists(state) && files::write(state, "FROZEN");
  if (frozen) wait_for([&] { auto s = files::read(state); return s && trim(*s) == "FROZEN"; });
  Status s;
  if (frozen) {
    s = kill_each(pids());
  } else {
    // Without a freezer a process may fork while we kill: sweep until a pass finds nothing new.
    for (int round = 0; round < 10 && s; ++round) {
      auto pids_now = pids();
      if (pids_now.empty()) break;
      s = kill_each(pids_now);
      if (wait_for([&] { return pids().empty(); })) break;
    }
  }
  if (frozen) (void)files::write(state, "THAWED");
  if (!s) return s.error().wrap(what);
  return Status::ok();
}

}  // namespace mk::runtime::cgroup
