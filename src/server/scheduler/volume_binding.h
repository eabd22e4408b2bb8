#pragma once
// The scheduler's VolumeBinding plugin, for what the cluster has: a pod's
// persistentVolumeClaims must exist; a bound claim whose PersistentVolume has node affinity
// pins the pod to that node; an unbound claim of a WaitForFirstConsumer class gets the chosen
// node as volume.kubernetes.io/selected-node (the provisioner acts on it) and the pod is bound
// only once the claim is.

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mk::client {
class ApiClient;
}

namespace mk::scheduler {

struct ClaimsCheck {
  std::string unschedulable;     // why no node fits ("persistentvolumeclaim \"x\" not found")
  std::optional<std::string> pinned_node;  // where the bound volumes are
  std::vector<std::pair<std::string, std::string>> waiting;  // unbound claims (ns, name)
  std::vector<std::pair<std::string, std::string>> to_select;  // of those, WaitForFirstConsumer
};

ClaimsCheck check_claims(client::ApiClient& client, const nlohmann::json& pod);

// Annotates the claims with the node; false when a write failed.
bool select_node(client::ApiClient& client, const ClaimsCheck& check, const std::string& node);

}  // namespace mk::scheduler
