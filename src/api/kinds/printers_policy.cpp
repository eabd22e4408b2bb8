// ResourceQuota, PodDisruptionBudget, PriorityClass and Lease columns.
#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// "name: used/hard" for every hard limit in name order; names under "limits." go to the Limit
// column, everything else to Request.
std::string quota_usage(const nlohmann::json& quota, bool limits) {
  const auto& hard = object_at(quota, "status.hard");
  const auto& used = object_at(quota, "status.used");
  std::vector<std::string> parts;
  for (const auto& [name, hard_value] : hard.items()) {
    const bool is_limit = name.rfind("limits.", 0) == 0;
    if (is_limit != limits) continue;
    auto it = used.find(name);
    const std::string used_text = quantity_string(it != used.end() ? &*it : nullptr);
    parts.push_back(name + ": " + used_text + "/" + quantity_string(&hard_value));
  }
  return join(parts, ", ");
}

// An IntOrString budget, "N/A" when not given.
Cell budget(std::string path) {
  return [path = std::move(path)](const nlohmann::json& o) -> nlohmann::json {
    const nlohmann::json* v = find_path(o, path);
    if (v == nullptr || v->is_null()) return "N/A";
    return int_or_string(*v);
  };
}

}  // namespace

std::vector<PrinterColumn> resource_quota_columns() {
  return {
      name_column(),
      age_column(),
      column("Request", "string", "Usage against hard limits on requests and object counts.",
             [](const nlohmann::json& o) -> nlohmann::json { return quota_usage(o, false); }),
      column("Limit", "string", "Usage against hard limits on container limits.",
             [](const nlohmann::json& o) -> nlohmann::json { return quota_usage(o, true); }),
  };
}

std::vector<PrinterColumn> pod_disruption_budget_columns() {
  return {
      name_column(),
      column("Min Available", "string", "Pods that must stay available.", budget("spec.minAvailable")),
      column("Max Unavailable", "string", "Pods that may be unavailable.", budget("spec.maxUnavailable")),
      column(
          "Allowed Disruptions", "integer", "Pods that may be evicted right now.",
          [](const nlohmann::json& o) -> nlohmann::json { return int_at(o, "status.disruptionsAllowed"); }),
      age_column(),
  };
}

std::vector<PrinterColumn> priority_class_columns() {
  return {
      name_column(),
      column("Value", "integer", "The priority given to pods of this class.",
             [](const nlohmann::json& o) -> nlohmann::json { return int_at(o, "value"); }),
      column("Global-Default", "boolean", "Whether pods without a class get this one.",
             [](const nlohmann::json& o) -> nlohmann::json { return bool_at(o, "globalDefault"); }),
      age_column(),
      // Shown by default since 1.32; a class without a policy decodes as PreemptLowerPriority.
      column("PreemptionPolicy", "string", "Whether pods of this class may preempt lower-priority pods.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return is_set(o, "preemptionPolicy") ? text_at(o, "preemptionPolicy")
                                                    : std::string("PreemptLowerPriority");
             }),
  };
}

std::vector<PrinterColumn> lease_columns() {
  return {
      name_column(),
      column("Holder", "string", "The identity holding the lease.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "spec.holderIdentity"); }),
      age_column(),
  };
}

}  // namespace mk::api::printers
