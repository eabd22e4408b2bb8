#pragma once
// The pure parts of the deployment controller: the pod-template hash and ReplicaSet names,
// maxSurge/maxUnavailable, and how far one rolling-update step scales the new and old
// ReplicaSets (upstream's pkg/controller/deployment/util and rolling.go rules).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mk::controllers {

inline constexpr const char* kPodTemplateHashLabel = "pod-template-hash";
inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kDesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
inline constexpr const char* kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

uint32_t fnv32a(const std::string& data, uint32_t hash = 2166136261u);
// Upstream's rand.SafeEncodeString: each byte mapped onto "bcdfghjklmnpqrstvwxz2456789".
std::string safe_encode(const std::string& s);
// The pod-template-hash of a template (its own pod-template-hash label ignored), with the
// deployment's collisionCount folded in when it is set.
std::string template_hash(const nlohmann::json& pod_template, int64_t collision_count = 0);
std::string replicaset_name(const std::string& deployment, const std::string& hash);
// Equal templates once both have lost their pod-template-hash label.
bool templates_equal_ignoring_hash(const nlohmann::json& a, const nlohmann::json& b);

struct Fenceposts {
  int64_t max_surge = 0;
  int64_t max_unavailable = 0;
};
// Percentages scale against `replicas` (surge rounds up, unavailable down); both zero becomes
// maxUnavailable 1. Missing values default to 25%.
Fenceposts resolve_fenceposts(const nlohmann::json* max_surge, const nlohmann::json* max_unavailable, int64_t replicas);

// The new ReplicaSet's replicas for this step: up by what maxSurge leaves room for.
int64_t new_rs_replicas(int64_t replicas, int64_t max_surge, int64_t all_spec_replicas, int64_t new_rs_spec_replicas);

struct RsCounts {
  int64_t spec = 0;       // spec.replicas
  int64_t available = 0;  // status.availableReplicas
};
// The old ReplicaSets' replicas after this step (in the order given, oldest first): unhealthy
// replicas go first, then healthy ones while availability stays at replicas − maxUnavailable.
std::vector<int64_t> scale_down_old(const std::vector<RsCounts>& old_sets, const RsCounts& new_set, int64_t replicas,
                                    int64_t max_unavailable);

}  // namespace mk::controllers
