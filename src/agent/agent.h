#pragma once
// The agent: the node components that join a machine to a cluster (today the kubelet's node
// registration and heartbeat, and its pod worker running the node's pods through the pod
// runtime; the service proxy and the pod network build on it).

#include <memory>
#include <string>

#include "common/error.h"

namespace mk::agent {

struct AgentConfig;

// Checks that the settings an agent cannot run without are there (a server URL and a token).
Status check_config(const AgentConfig& config);

// A running agent; destroying it stops its components (pods keep running).
class Agent {
 public:
  // Joins the cluster (token-verified CA, bearer token), registers the node and starts the
  // heartbeat; opens the image store under <data-dir>/agent/images and imports the tarballs
  // there, re-adopts running pods and starts the pod worker.
  static Result<std::unique_ptr<Agent>> start(const AgentConfig& config);
  ~Agent();
  const std::string& node_name() const;

 private:
  struct Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `minikube agent`: starts an Agent and runs until SIGTERM or SIGINT. Returns the process exit
// code: 2 when check_config fails, 1 when the agent cannot start (the reason logged in one line).
int run(const AgentConfig& config);

}  // namespace mk::agent
