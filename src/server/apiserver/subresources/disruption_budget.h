#pragma once
// Whether evicting a pod keeps its PodDisruptionBudget: from the budget's status when a
// disruption controller has observed its current generation, otherwise computed here from the
// budget's spec and the Ready pods it selects (so budgets work before any controller runs).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mk::apiserver {

// policy/v1 selection: a null selector selects nothing, an empty one every pod.
bool budget_selects(const nlohmann::json& pdb, const nlohmann::json& pod);

// Ready condition True.
bool pod_ready(const nlohmann::json& pod);

struct BudgetDecision {
  bool allowed = false;
  // The budget's status counted this disruption in advance: decrement status.disruptionsAllowed.
  bool consume_status = false;
  std::string refusal;  // why not, as the DisruptionBudget cause says it
  bool invalid_status = false;  // status.disruptionsAllowed is negative
};

// `pods`: the pods of the budget's namespace.
BudgetDecision check_budget(const nlohmann::json& pdb, const nlohmann::json& pod, const std::vector<nlohmann::json>& pods);

}  // namespace mk::apiserver
