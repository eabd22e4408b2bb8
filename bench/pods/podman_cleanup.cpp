#include "podman_cleanup.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cgroup_cleanup.h"
#include "command.h"
#include "common/log.h"
#include "proc_stats.h"

namespace mk::podbench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kParent = "libpod_parent";  // podman's cgroup parent with cgroupfs

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// A pod id as podman prints it: 64 hex digits (so it is safe as a cgroup path part).
bool is_pod_id(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// SIGKILL to every process in <hierarchy>/libpod_parent/<id> and below.
void kill_cgroup_members(const std::string& id) {
  std::error_code ec;
  for (const auto& h : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    fs::path top = h.path() / kParent / id;
    if (!fs::is_directory(top, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->path().filename() != "cgroup.procs") continue;
      std::ifstream in(it->path());
      pid_t pid;
      while (in >> pid) ::kill(pid, SIGKILL);
    }
  }
}

// Mount points at or below `dir`, deepest first.
std::vector<std::string> mounts_below(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point == dir || point.rfind(dir + "/", 0) == 0) out.push_back(point);
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace

PodmanCleanup::PodmanCleanup(std::vector<std::string> podman_base, std::string storage, std::string log_path)
    : base_(std::move(podman_base)), storage_(std::move(storage)), log_path_(std::move(log_path)) {
  std::error_code ec;
  parent_existed_ = fs::exists(std::string("/sys/fs/cgroup/memory/") + kParent, ec) ||
                    fs::exists(std::string("/sys/fs/cgroup/systemd/") + kParent, ec) ||
                    fs::exists(std::string("/sys/fs/cgroup/") + kParent, ec);
}

PodmanCleanup::~PodmanCleanup() {
  std::error_code ec;
  if (fs::exists(storage_ + "/root", ec)) {
    std::vector<std::string> ids;
    auto args = base_;
    args.insert(args.end(), {"pod", "ps", "-q", "--no-trunc"});
    if (auto r = bench::run_command(args, log_path_, std::chrono::seconds(60)); r && r->exit_code == 0) {
      for (const auto& id : lines_of(r->output)) {
        if (is_pod_id(id)) ids.push_back(id);
      }
    }
    if (!ids.empty()) MK_LOG(info) << "bench: removing " << ids.size() << " podman pod(s)";
    args = base_;
    args.insert(args.end(), {"pod", "rm", "-f", "-a", "-t", "0"});
    auto removed = bench::run_command(args, log_path_, std::chrono::minutes(5));
    if (!removed || removed->exit_code != 0) {
      MK_LOG(warn) << "bench: podman pod rm failed: "
                   << (removed ? bench::last_line(removed->output) : removed.error().message);
    }
    for (const auto& id : ids) {
      kill_cgroup_members(id);
      bench::remove_cgroup_tree(std::string(kParent) + "/" + id);
    }
  }
  // Whatever podman still runs for this storage (conmon outlives a failed removal).
  for (pid_t pid : bench::find_processes("conmon", storage_ + "/")) {
    MK_LOG(warn) << "bench: killing leftover conmon " << pid;
    ::kill(pid, SIGKILL);
  }
  if (!parent_existed_) bench::remove_cgroup_tree(kParent);
  for (const auto& point : mounts_below(storage_)) {
    if (::umount2(point.c_str(), MNT_DETACH) != 0) MK_LOG(warn) << "bench: umount " << point << " failed";
  }
}

}  // namespace mk::podbench
