#pragma once
// The Markdown table pods_bench prints: minikube's figure, podman's beside it, the target and
// whether it was met; then where minikube's start time went, and notes.

#include <string>

#include "results.h"

namespace mk::podbench {

struct RunContext {
  std::string minikube, kernel, cgroup_mode, fs_type;
  unsigned cores = 0;
  double load_at_start = -1, load_at_end = -1;
  bool quick = false;
};

// Sets any_error when a measurement of ours failed (podman's failures are reported, not ours).
std::string render_report(const RunContext& context, const MinikubeResults& minikube, const PodmanResults& podman,
                          bool& any_error);

}  // namespace mk::podbench
