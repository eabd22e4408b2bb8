#pragma once
// The clone machinery shared by start and exec. The runtime forks an intermediate process
// (glibc's fork, so it is safe even if the runtime has threads); that process joins cgroups
// and namespaces, then clone()s the container process with CLONE_PARENT, so the runtime is
// its parent and reaps it, reports its pid over a sync pipe, and exits.
//
//   runtime ── fork ──> intermediate: cgroup.procs, oom_score_adj, setns...
//                          └─ clone(new namespaces | CLONE_PARENT) ──> container process
//   sync pipe:  intermediate -> runtime  {pid, oom_score_adj errno}
//   error pipe: either child -> runtime  the first failure, as text (close-on-exec: EOF on exec)

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::container {

struct SpawnSpec {
  std::string what;  // "start container web", prefixed to errors
  std::vector<std::string> cgroup_procs;
  std::optional<int> oom_score_adj;
  std::function<Status()> join;  // in the intermediate, after the cgroups
  unsigned long clone_flags = 0;  // namespaces the container process is created with
  // In the container process; returns only on failure. May move the error pipe's fd.
  std::function<Status(int& error_fd)> run;
};

Result<pid_t> spawn(const SpawnSpec& spec);

}  // namespace mk::runtime::container
