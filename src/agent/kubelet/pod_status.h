#pragma once
// The status the kubelet writes for a pod (pods/status): phase, conditions, containerStatuses and
// initContainerStatuses, hostIP, podIP for hostNetwork pods, startTime and qosClass, computed
// from what the runtime reports and what the pod worker knows (pull and create errors, back-off,
// probe results). A pure function, so the rules (upstream's getPhase and condition generators)
// are tested without a runtime.

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
  // The runtime's state of the current run when it has the container (created counts as none).
  std::optional<runtime::shim::ContainerState> state;
  // The run before, once the container was restarted.
  std::optional<runtime::shim::ContainerState> last_state;
  // Set, the container is shown waiting with this reason (ErrImagePull, ImagePullBackOff,
  // CreateContainerError, CrashLoopBackOff...) unless it runs; an exited current run then
  // becomes lastState. Unset and without state: ContainerCreating (PodInitializing when the pod
  // has init containers).
  std::string waiting_reason, waiting_message;
  int restart_count = 0;
  bool ready = false;    // running and its readiness probe (if any) succeeded
  bool started = false;  // running and its startup probe (if any) succeeded
};

struct PodView {
  std::string host_ip;
  std::string start_time;   // RFC 3339; "" leaves startTime unset
  std::string now;          // RFC 3339, for condition transitions
  std::vector<ContainerView> containers;
  std::vector<ContainerView> init_containers;
  // The kubelet's own verdict that ends the pod (activeDeadlineSeconds): phase Failed with it.
  std::string failed_reason, failed_message;
  bool sandbox_ready = true;  // PodReadyToStartContainers
  std::vector<std::string> pod_ips;  // from the pod network; hostNetwork pods get host_ip
};

// The new status object; `pod` supplies spec (restartPolicy, hostNetwork, resources, init
// containers) and the previous status (condition transition times are kept while a condition's
// status holds; a terminal phase is never left).
nlohmann::json pod_status(const nlohmann::json& pod, const PodView& view);

// Upstream's getPhase over API container statuses (v1 ContainerStatus objects).
std::string pod_phase(const nlohmann::json& spec, const nlohmann::json& init_statuses, const nlohmann::json& statuses);

// One v1 ContainerStatus. `has_init` picks PodInitializing over ContainerCreating as the default
// waiting reason.
nlohmann::json container_status(const ContainerView& c, bool has_init);

// "Guaranteed", "Burstable" or "BestEffort" from the pod's requests and limits.
std::string qos_class_name(const nlohmann::json& pod);

// RFC 3339 (whole seconds, UTC) of nanoseconds since the epoch.
std::string format_ns(int64_t ns);

}  // namespace mk::agent::kubelet
