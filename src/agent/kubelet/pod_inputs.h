#pragma once
// What a pod's containers see beyond their image, prepared by the kubelet before the runtime
// starts the pod: env (values, fieldRef, resourceFieldRef, ConfigMap and Secret keys, envFrom)
// and command/args expanded against it; configMap, secret, downwardAPI and projected volumes
// (service-account tokens through TokenRequest) written atomically under
//   <data-dir>/agent/kubelet/pods/<uid>/volumes/<plugin>/<volume>
// and handed to the runtime as host paths (mounted read-only); emptyDirs of medium Memory as a
// tmpfs there; persistentVolumeClaims as the bound PersistentVolume's host path; and the
// credentials of the pod's imagePullSecrets for its image pulls.
//
// VolumeRefresher (volume_refresher.h) rewrites those volumes while the pod runs and removes
// the directory once the pod is gone.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "common/error.h"
#include "runtime/image/registry_config.h"
#include "runtime/pod/pod_spec.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent::kubelet {

// <data-dir>/agent/kubelet/pods, beside the runtime's <data-dir>/agent/pods.
std::string kubelet_pods_dir(const std::string& runtime_pods_dir);

// Fills `spec` (read from `pod` by runtime::pod::pod_from_json) with what the pod refers to,
// and adds the pod's pull credentials to `registries`. Failures name the reason a container
// waits with: see pod_inputs_reason.
Status prepare_pod_inputs(client::ApiClient& client, const nlohmann::json& pod, runtime::pod::PodSpec& spec,
                          const std::string& runtime_pods_dir, runtime::image::RegistriesConfig& registries);

// The waiting reason for a failed prepare_pod_inputs: "ContainerCreating" while a volume
// cannot be set up (the kubelet keeps trying to mount it), "CreateContainerConfigError" for
// the container's configuration (env).
std::string pod_inputs_reason(const Error& error);

// Rewrites the configMap, secret, downwardAPI and projected volumes of a running pod (nothing
// changes when their content is the same). Used by VolumeRefresher.
Status refresh_pod_volumes(client::ApiClient& client, const nlohmann::json& pod, const std::string& kubelet_pods);

}  // namespace mk::agent::kubelet
