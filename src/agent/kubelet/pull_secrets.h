#pragma once
// A pod's imagePullSecrets (kubernetes.io/dockerconfigjson, or the older
// kubernetes.io/dockercfg) as registry credentials for its image pulls. They take precedence
// over the node's registries.yaml credentials for the same registry, as pod credentials are
// tried first by the kubelet.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <utility>
#include <vector>

#include "agent/kubelet/config_source.h"
#include "runtime/image/registry_config.h"

namespace mk::agent::kubelet {

// Adds the credentials to `registries`; returns events to record (reason, message) for
// secrets that could not be read (the pull is still tried, as upstream does).
std::vector<std::pair<std::string, std::string>> add_pull_secrets(const nlohmann::json& pod, ConfigSource& source,
                                                                   runtime::image::RegistriesConfig& registries);

// The credentials of one docker config ({"auths": {...}} or the legacy top-level map), by
// registry host ("docker.io" for Docker Hub's names).
std::vector<std::pair<std::string, runtime::image::RegistryAuth>> docker_config_auths(const nlohmann::json& config);

}  // namespace mk::agent::kubelet
