#pragma once
// `minikube agent`: turns resolved settings into an AgentConfig.

#include "agent/config.h"

namespace mk::cli {

class Settings;

agent::AgentConfig to_agent_config(const Settings& settings);

}  // namespace mk::cli
