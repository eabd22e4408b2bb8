// Cgroup: creating, opening, joining, listing and removing the directories of one cgroup.
#include "runtime/cgroup/cgroup.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <set>
#include <thread>

#include "common/log.h"
#include "runtime/cgroup/cgroup_files.h"

namespace mk::runtime::cgroup {
namespace {

// "a/b/c" without leading, trailing or doubled slashes; empty when the path is unusable (it
// would name a hierarchy's root or climb out of it).
std::string normalize(const std::string& path) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (part == "." || part == "..") return "";
    if (!part.empty()) out += (out.empty() ? "" : "/") + part;
    i = j + 1;
  }
  return out;
}

// The prefixes of "a/b/c": "a", "a/b", "a/b/c".
std::vector<std::string> levels(const std::string& path) {
  std::vector<std::string> out;
  for (size_t i = path.find('/'); i != std::string::npos; i = path.find('/', i + 1)) out.push_back(path.substr(0, i));
  out.push_back(path);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// v1 cpuset starts empty in a new cgroup, and a task cannot join an empty one: inherit the parent's.
Status inherit_cpuset(const std::string& parent, const std::string& dir) {
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    auto mine = files::read(dir + "/" + file);
    if (!mine || !trim(*mine).empty()) continue;
    auto theirs = files::read(parent + "/" + file);
    if (!theirs) return theirs.error();
    if (auto s = files::write(dir + "/" + file, trim(*theirs)); !s) return s;
  }
  return Status::ok();
}

// Controllers a container runtime turns on for children on v2, each only if the mount has it.
const char* const kV2Controllers[] = {"cpu", "cpuset", "io", "memory", "pids", "hugetlb"};

// Enables the mount's controllers for the children of `dir`. One write for all when the kernel
// takes it; else one by one, so that a controller it refuses (cpu, while a realtime task sits
// in the cgroup) does not cost the others.
void enable_controllers(const Layout& layout, const std::string& dir) {
  std::vector<std::string> wanted;
  for (const char* c : kV2Controllers) {
    if (layout.v2_has(c)) wanted.push_back(std::string("+") + c);
  }
  if (wanted.empty()) return;
  std::string all;
  for (const auto& w : wanted) all += (all.empty() ? "" : " ") + w;
  const std::string file = dir + "/cgroup.subtree_control";
  if (files::write(file, all)) return;
  for (const auto& w : wanted) {
    if (auto s = files::write(file, w); !s) MK_LOG(warn) << "cgroup: " << s.error().message;
  }
}

void collect_pids(const std::string& dir, std::set<pid_t>& out) {
  for (pid_t p : files::read_procs(dir + "/cgroup.procs")) out.insert(p);
  for (const auto& child : files::child_dirs(dir)) collect_pids(dir + "/" + child, out);
}

// rmdir of a cgroup directory, descendants first. A cgroup whose last process has been killed
// but not yet left stays busy for a moment, hence the bounded retry.
Status remove_tree(const std::string& dir) {
  if (!files::exists(dir)) return Status::ok();
  for (const auto& child : files::child_dirs(dir)) {
    if (auto s = remove_tree(dir + "/" + child); !s) return s;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return Status::ok();
    if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline) return errno_error("remove cgroup " + dir, errno);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Distinct v1 mount points (co-mounted controllers such as cpu,cpuacct share one).
std::vector<std::string> v1_mounts(const Layout& layout) {
  std::vector<std::string> out;
  for (const auto& [controller, mount] : layout.v1) {
    if (std::find(out.begin(), out.end(), mount) == out.end()) out.push_back(mount);
  }
  return out;
}

}  // namespace

// On hybrid hosts the resources are set through the v1 hierarchies (the cgroup2 mount carries no
// resource controllers there, and runc ignores it for resources too). The cgroup still gets a
// directory in the cgroup2 mount, which processes join as well: that gives kill_all an atomic
// cgroup.kill (no fork can escape it) and tracks membership the way systemd does on such hosts.
// That part is best effort, since a read-only cgroup2 mount must not stop pods from starting.
std::vector<std::string> Cgroup::dirs() const {
  std::vector<std::string> out;
  if (layout_.mode == Mode::v2) {
    out.push_back(layout_.unified + "/" + path_);
    return out;
  }
  for (const auto& mount : v1_mounts(layout_)) out.push_back(mount + "/" + path_);
  if (layout_.mode == Mode::hybrid && files::exists(layout_.unified + "/" + path_)) {
    out.push_back(layout_.unified + "/" + path_);
  }
  return out;
}

Result<Cgroup> Cgroup::create(const Layout& layout, const std::string& path) {
  const std::string rel = normalize(path);
  if (rel.empty()) return make_error(Errc::invalid_argument, "create cgroup \"" + path + "\": not a cgroup path");
  const std::string what = "create cgroup " + rel;
  if (layout.mode == Mode::v2) {
    // Every ancestor, from the mount's root down to the parent, hands its controllers on.
    std::string parent = layout.unified;
    for (const auto& level : levels(rel)) {
      enable_controllers(layout, parent);
      std::string dir = layout.unified + "/" + level;
      if (auto s = files::make_dir(dir); !s) return s.error().wrap(what);
      parent = dir;
    }
  } else {
    for (const auto& mount : v1_mounts(layout)) {
      const bool cpuset = files::exists(mount + "/cpuset.cpus");
      std::string parent = mount;
      for (const auto& level : levels(rel)) {
        std::string dir = mount + "/" + level;
        if (auto s = files::make_dir(dir); !s) return s.error().wrap(what);
        if (cpuset) {
          if (auto s = inherit_cpuset(parent, dir); !s) return s.error().wrap(what);
        }
        parent = dir;
      }
    }
    if (layout.mode == Mode::hybrid) {
      for (const auto& level : levels(rel)) {
        if (auto s = files::make_dir(layout.unified + "/" + level); !s) {
          MK_LOG(warn) << "cgroup: " << s.error().message << " (processes are tracked through v1 only)";
          break;
        }
      }
    }
  }
  return Cgroup(layout, rel);
}

Result<Cgroup> Cgroup::open(const Layout& layout, const std::string& path) {
  const std::string rel = normalize(path);
  if (rel.empty()) return make_error(Errc::invalid_argument, "open cgroup \"" + path + "\": not a cgroup path");
  Cgroup cg(layout, rel);
  for (const auto& dir : cg.dirs()) {
    if (files::exists(dir)) return cg;
  }
  return make_error(Errc::not_found, "open cgroup " + rel + ": no such cgroup");
}

Status Cgroup::add(pid_t pid) {
  for (const auto& file : procs_files()) {
    if (auto s = files::write(file, std::to_string(pid)); !s) return s.error().wrap("add pid " + std::to_string(pid) + " to cgroup " + path_);
  }
  return Status::ok();
}

std::vector<std::string> Cgroup::procs_files() const {
  std::vector<std::string> out;
  for (const auto& dir : dirs()) out.push_back(dir + "/cgroup.procs");
  return out;
}

std::vector<pid_t> Cgroup::pids() const {
  std::set<pid_t> all;
  for (const auto& dir : dirs()) collect_pids(dir, all);
  return {all.begin(), all.end()};
}

Status Cgroup::remove() {
  std::vector<std::string> all = dirs();
  // The cgroup2 directory of a hybrid layout even when dirs() no longer lists it.
  if (layout_.mode == Mode::hybrid && !layout_.unified.empty()) {
    std::string unified = layout_.unified + "/" + path_;
    if (std::find(all.begin(), all.end(), unified) == all.end()) all.push_back(unified);
  }
  Status result;
  for (const auto& dir : all) {
    if (auto s = remove_tree(dir); !s && result) result = s;
  }
  return result;
}

}  // namespace mk::runtime::cgroup
