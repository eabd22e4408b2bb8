#pragma once
// The status the kubelet writes for a pod (pods/status): phase, conditions, containerStatuses,
// hostIP, podIP for hostNetwork pods, startTime and qosClass, computed from what the runtime
// reports and what the pod worker knows (image pull or create errors). A pure function, so the
// rules are tested without a runtime.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "runtime/shim/container_files.h"

namespace mk::agent::kubelet {

struct ContainerView {
  std::string name, image;
  std::string image_id;      // "" until the image is in the store
  std::string container_id;  // "minikube://<id>" once the runtime has the container
  // The runtime's state when it has the container.
  std::optional<runtime::shim::ContainerState> state;
  // Why the container is not running (ErrImagePull, ImagePullBackOff, CreateContainerError,
  // ContainerCreating); used when there is no runtime state.
  std::string waiting_reason, waiting_message;
  int restart_count = 0;
};

struct PodView {
  std::string host_ip;
  std::string start_time;   // RFC 3339; "" leaves startTime unset
  std::string now;          // RFC 3339, for condition transitions
  std::vector<ContainerView> containers;
};

// The new status object; `pod` supplies spec (restartPolicy, hostNetwork, resources) and the
// previous status (condition transition times are kept while a condition's status holds).
nlohmann::json pod_status(const nlohmann::json& pod, const PodView& view);

// The phase alone (Pending, Running, Succeeded, Failed).
std::string pod_phase(const std::string& restart_policy, const std::vector<ContainerView>& containers);

// "Guaranteed", "Burstable" or "BestEffort" from the pod's requests and limits.
std::string qos_class_name(const nlohmann::json& pod);

// RFC 3339 (whole seconds, UTC) of nanoseconds since the epoch.
std::string format_ns(int64_t ns);

}  // namespace mk::agent::kubelet
