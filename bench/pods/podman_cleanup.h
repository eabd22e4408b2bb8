#pragma once
// Removes what the podman side leaves on the host: its pods (`pod rm -f`), whatever still runs
// in their cgroups, the cgroups podman leaves behind (it keeps empty ones in the named and
// unified hierarchies), libpod_parent if this run created it, the overlay and shm mounts under
// the run's storage, and conmon processes serving that storage. Only the run's own storage and
// pods are touched.

#include <string>
#include <vector>

namespace mk::podbench {

class PodmanCleanup {
 public:
  // Call before the first podman command: notes whether libpod_parent exists already.
  PodmanCleanup(std::vector<std::string> podman_base, std::string storage, std::string log_path);
  ~PodmanCleanup();
  PodmanCleanup(const PodmanCleanup&) = delete;
  PodmanCleanup& operator=(const PodmanCleanup&) = delete;

 private:
  std::vector<std::string> base_;  // podman and its global flags (temp root, runroot, ...)
  std::string storage_;            // every path of the run's podman lies below it
  std::string log_path_;
  bool parent_existed_ = false;
};

}  // namespace mk::podbench
