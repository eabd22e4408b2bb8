#pragma once
// Removes what the minikube side leaves on the host once its server has stopped: the agent
// keeps pods running when it stops, so every pod under the run's data dir is stopped and removed
// through the runtime (namespaces, mounts, cgroups, shim), any shim still serving that data dir
// is killed, and the agent's cgroup parents are removed if this run created them.

#include <string>
#include <vector>

namespace mk::podbench {

class MinikubeCleanup {
 public:
  // Call before the server starts: notes which cgroup parents exist already.
  MinikubeCleanup(std::string data_dir, std::string shim_path);
  ~MinikubeCleanup();
  MinikubeCleanup(const MinikubeCleanup&) = delete;
  MinikubeCleanup& operator=(const MinikubeCleanup&) = delete;

 private:
  std::string data_dir_, shim_path_;
  std::vector<std::string> parents_made_;  // absolute cgroup dirs absent before the run
};

}  // namespace mk::podbench
