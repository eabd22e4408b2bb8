#pragma once
// Our side through the command line, as a user runs it: `minikube runtime run` on a temporary
// data dir and a cgroup root of its own, each pod removed (untimed) with `runtime rm`.

#include <string>

#include "options.h"
#include "series.h"

namespace mk::rtbench {

struct CliSide {
  std::string minikube;
  std::string data_dir;
  std::string cgroup_root;
  std::string rootfs;
  std::string work;  // logs
};

// The common flags of every `minikube runtime` call.
std::vector<std::string> runtime_command(const CliSide& side, const std::string& sub);
// Removes a pod; failures are logged.
void remove_pod(const CliSide& side, const std::string& uid);

// `runtime run --rootfs R -- /bin/true` until it returns with the container's exit code.
Series time_cli_true(const CliSide& side, const Plan& plan);
// `runtime run -d --rootfs R -- sleep 1000` until it returns: the container is running then.
Series time_cli_sleep(const CliSide& side, const Plan& plan);

}  // namespace mk::rtbench
