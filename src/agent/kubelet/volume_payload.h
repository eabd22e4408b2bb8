#pragma once
// The files of configMap, secret, downwardAPI and projected volumes, as the kubelet's volume
// plugins compute them (MakePayload, CollectData, the projected plugin), with their error
// messages. Writing them is atomic_writer's job.

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "agent/kubelet/atomic_writer.h"
#include "agent/kubelet/config_source.h"
#include "agent/kubelet/downward_api.h"
#include "common/error.h"

namespace mk::agent::kubelet {

struct VolumeInputs {
  const nlohmann::json& pod;
  ConfigSource& source;
  PodRuntimeFacts facts;
  // The volume's directory as written last time: service-account tokens found there are kept
  // while they are fresh (less than 80% of their lifetime and 24 h gone), as the kubelet's
  // token manager does.
  std::string current_dir;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// The plugin directory name of a volume type ("kubernetes.io~configmap"), or "" when the
// type is not one of the four materialised here.
std::string volume_plugin_dir(const nlohmann::json& volume);

// The payload of one pod volume (an element of spec.volumes) of one of those types.
Result<Payload> volume_payload(const nlohmann::json& volume, VolumeInputs& in);

// True when `jwt` (a service-account token) can still be used at `now`.
bool token_fresh(const std::string& jwt, std::chrono::system_clock::time_point now);

}  // namespace mk::agent::kubelet
