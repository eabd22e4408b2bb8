#include "minikube_cleanup.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "common/log.h"
#include "proc_stats.h"
#include "runtime/pod/runtime.h"

namespace mk::podbench {
namespace {

namespace fs = std::filesystem;

// The runtime's default cgroup root (the server has no flag for another), deepest first.
const char* const kParents[] = {"minikube/kubepods/besteffort", "minikube/kubepods/burstable", "minikube/kubepods",
                                "minikube"};

std::vector<std::string> hierarchies() {
  std::vector<std::string> out = {"/sys/fs/cgroup"};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) out.push_back(entry.path().string());
  }
  return out;
}

}  // namespace

MinikubeCleanup::MinikubeCleanup(std::string data_dir, std::string shim_path)
    : data_dir_(std::move(data_dir)), shim_path_(std::move(shim_path)) {
  std::error_code ec;
  for (const auto& h : hierarchies()) {
    for (const char* p : kParents) {
      std::string dir = h + "/" + p;
      if (!fs::exists(dir, ec)) parents_made_.push_back(dir);
    }
  }
}

MinikubeCleanup::~MinikubeCleanup() {
  runtime::pod::RuntimeConfig config;
  config.data_dir = data_dir_;
  config.shim_path = shim_path_;
  runtime::pod::Runtime runtime(config);
  if (auto pods = runtime.list()) {
    if (!pods->empty()) MK_LOG(info) << "bench: removing " << pods->size() << " pod(s) through the runtime";
    for (const auto& p : *pods) {
      (void)runtime.stop_pod(p.uid, 0);
      if (auto s = runtime.remove_pod(p.uid); !s) MK_LOG(warn) << "bench: remove pod " << p.uid << ": " << s.error().message;
    }
  }
  // Shims of this data dir that the runtime could not reach.
  for (pid_t pid : bench::find_processes("minikube-shim", data_dir_ + "/")) {
    MK_LOG(warn) << "bench: killing leftover shim " << pid;
    ::kill(pid, SIGKILL);
  }
  // Deepest first (kParents is ordered so); rmdir refuses any that is in use or not empty.
  for (const auto& dir : parents_made_) ::rmdir(dir.c_str());
}

}  // namespace mk::podbench
