#pragma once
// Kubernetes QoS classes and what follows from them: the pod's place in the kubepods hierarchy
// and the containers' oom_score_adj. Pure functions of numbers already parsed from quantities.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mk::runtime::cgroup {

enum class QosClass { guaranteed, burstable, best_effort };

// One container's requests and limits; unset or zero means not given.
struct ContainerRequests {
  std::optional<int64_t> cpu_request_milli;
  std::optional<int64_t> cpu_limit_milli;
  std::optional<int64_t> memory_request;  // bytes
  std::optional<int64_t> memory_limit;    // bytes
};

// Guaranteed: every container has cpu and memory limits and the pod's summed requests equal
// its summed limits (a request left unset takes its limit, as the API server defaults it).
// BestEffort: no request or limit anywhere. Burstable: everything else. Pass init containers too.
QosClass qos_class(const std::vector<ContainerRequests>& containers);

const char* qos_class_name(QosClass qos);  // "Guaranteed", "Burstable", "BestEffort"

// "kubepods/pod<uid>", "kubepods/burstable/pod<uid>", "kubepods/besteffort/pod<uid>" (relative to
// the runtime's cgroup root, as kubelet's cgroupfs driver names them).
std::string pod_cgroup_path(QosClass qos, const std::string& pod_uid);

// Guaranteed -997, BestEffort 1000; Burstable 1000 - 1000 * memory_request / machine_memory,
// kept within [3, 999] so it stays above Guaranteed (1000 - 997) and below BestEffort.
int oom_score_adj(QosClass qos, int64_t memory_request, int64_t machine_memory);

}  // namespace mk::runtime::cgroup
