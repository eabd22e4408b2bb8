#pragma once
// A container's environment as the kubelet builds it (makeEnvironmentVariables): envFrom
// ConfigMaps and Secrets first (with their prefix; keys that are not valid variable names
// skipped), then env in order: values with $(VAR) expanded against what is defined so far,
// fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef (optional ones skipped when
// absent). Command and args are then expanded against the result.

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "agent/kubelet/config_source.h"
#include "agent/kubelet/downward_api.h"
#include "common/error.h"

namespace mk::agent::kubelet {

struct ContainerEnv {
  std::vector<std::pair<std::string, std::string>> vars;  // in definition order, no duplicates
  // Events the kubelet records (reason, message), e.g. InvalidEnvironmentVariableNames.
  std::vector<std::pair<std::string, std::string>> warnings;
};

// Errors carry the kubelet's messages: `configmap "x" not found`, `couldn't find key k in
// ConfigMap ns/x`, `secret "x" not found`, `couldn't find key k in Secret ns/x`.
Result<ContainerEnv> resolve_container_env(const nlohmann::json& pod, const nlohmann::json& container,
                                           ConfigSource& source, const PodRuntimeFacts& facts);

// $(VAR) in each string, against `env`.
std::vector<std::string> expand_all(const std::vector<std::string>& in,
                                    const std::vector<std::pair<std::string, std::string>>& env);

// Environment variable names the kubelet accepts from envFrom: [-._a-zA-Z][-._a-zA-Z0-9]*.
bool is_env_var_name(const std::string& name);

}  // namespace mk::agent::kubelet
