#pragma once
// Server-side apply conflicts and the wording kube-apiserver uses for them in its 409 responses.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace mk::apiserver {

// A field the applied configuration would change that another manager owns.
struct Conflict {
  std::string manager;      // the other manager, e.g. "kubectl-client-side-apply"
  std::string operation;    // how it came to own the field: "Apply" or "Update"
  std::string api_version;  // the API version its ownership is recorded in
  std::string path;         // the field, e.g. ".spec.replicas"
};

// The Status message of the 409: `Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas`;
// an updater is named with its API version (`conflict with "kubectl-client-side-apply" using apps/v1`);
// several conflicts are listed per manager, one `- <path>` line each.
std::string conflict_message(const std::vector<Conflict>& conflicts);
// One Status cause's message: `conflict with "kubectl" using apps/v1`.
std::string conflict_cause_message(const Conflict& conflict);
// The Status `details.causes`: [{"reason":"FieldManagerConflict","message":...,"field":".spec.replicas"}].
nlohmann::json conflict_causes(const std::vector<Conflict>& conflicts);

}  // namespace mk::apiserver
