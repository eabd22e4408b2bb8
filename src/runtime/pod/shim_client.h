#pragma once
// The runtime's side of a pod's shim: launching it, and one request per connection to
// <pod-dir>/shim.sock (see runtime/shim/protocol.h).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/shim/protocol.h"
#include "runtime/shim/unique_fd.h"

namespace mk::runtime::pod {

// Where minikube-shim is: $MINIKUBE_SHIM, else next to the running executable.
std::string default_shim_path();

// Starts `shim_path` for the pod and returns once its socket accepts requests.
Status launch_shim(const std::string& shim_path, const std::string& pod_dir);

// The shim's pid from <pod-dir>/shim.json when that process still runs (same start time), else 0.
int live_shim_pid(const std::string& pod_dir);

Result<shim::UniqueFd> connect_shim(const std::string& pod_dir);
// Sends one request and waits for its reply (an {"ok": false} reply becomes an Error).
Result<shim::Message> call_shim(const std::string& pod_dir, const nlohmann::json& request,
                                const std::vector<int>& fds = {});

}  // namespace mk::runtime::pod
