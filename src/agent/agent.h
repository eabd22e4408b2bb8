#pragma once
// The agent process: the node components that join a machine to a cluster.

#include "common/error.h"

namespace mk::agent {

struct AgentConfig;

// Checks that the settings an agent cannot run without are there (a server URL and a token).
Status check_config(const AgentConfig& config);

// Returns the process exit code: 2 when check_config fails, 1 when the agent cannot run (the
// reason is logged in one line).
int run(const AgentConfig& config);

}  // namespace mk::agent
