#pragma once
// Running one probe or lifecycle-hook handler against a container, as the kubelet's prober
// and handler runner do: exec (in the container, through the runtime), httpGet and tcpSocket
// (from inside the pod's network namespace: a socket made on a short-lived thread that entered
// the held netns file, connecting to 127.0.0.1 unless the handler names a host), and sleep.
// Outputs use upstream's wording, as they end up in Unhealthy events.

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "runtime/pod/runtime.h"

namespace mk::agent::kubelet {

enum class ProbeResult { success, failure };

struct ProbeOutcome {
  ProbeResult result = ProbeResult::failure;
  std::string output;    // the command's output, or why the check failed
  bool errored = false;  // the check could not be run (upstream's "probe errored")
};

struct HandlerTarget {
  runtime::pod::Runtime* runtime = nullptr;
  std::string uid, container;
  std::string netns;                               // "" for hostNetwork pods
  nlohmann::json container_spec = nlohmann::json::object();  // for named ports
};

// Runs a probe or hook handler (the object holding exec / httpGet / tcpSocket / sleep).
ProbeOutcome run_handler(const nlohmann::json& handler, const HandlerTarget& target, std::chrono::milliseconds timeout);

// A TCP socket created inside the network namespace at `netns` ("" for this process's).
Result<UniqueFd> socket_in_netns(const std::string& netns);

}  // namespace mk::agent::kubelet
