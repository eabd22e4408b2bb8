#include "server/apiserver/subresources/disruption_budget.h"

#include <algorithm>

#include "api/json_path.h"
#include "api/label_selector.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

bool terminal(const json& pod) {
  std::string phase = api::string_at(pod, "status.phase");
  return phase == "Succeeded" || phase == "Failed";
}

// A count, or a percentage of `total` rounded up (GetScaledValueFromIntOrPercent).
int64_t scaled(const json& v, int64_t total) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_string()) return 0;
  std::string s = v.get<std::string>();
  bool percent = !s.empty() && s.back() == '%';
  if (percent) s.pop_back();
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
    if (n > 1'000'000'000) return 0;
  }
  return percent ? (n * total + 99) / 100 : n;
}

struct Counts {
  int64_t healthy = 0;
  int64_t desired = 0;
  int64_t allowed = 0;
};

// What the disruption controller would publish (pkg/controller/disruption), with the selected
// pods standing in for the controllers' scale.
Counts compute(const json& pdb, const std::vector<json>& pods) {
  Counts c;
  int64_t expected = 0;
  for (const auto& p : pods) {
    if (!budget_selects(pdb, p) || terminal(p)) continue;
    ++expected;  // pods being deleted still count: their replacements are not there yet
    if (!api::find_path(p, "metadata.deletionTimestamp") && pod_ready(p)) ++c.healthy;
  }
  const json* min = api::find_path(pdb, "spec.minAvailable");
  const json* max = api::find_path(pdb, "spec.maxUnavailable");
  if (max && !max->is_null()) c.desired = expected - scaled(*max, expected);
  else if (min && !min->is_null()) c.desired = scaled(*min, expected);
  c.desired = std::max<int64_t>(0, c.desired);
  c.allowed = std::max<int64_t>(0, c.healthy - c.desired);
  return c;
}

}  // namespace

bool budget_selects(const json& pdb, const json& pod) {
  const json* sel = api::find_path(pdb, "spec.selector");
  if (!sel || sel->is_null()) return false;
  auto selector = api::LabelSelector::from_json(*sel);
  if (!selector) return false;
  const json* labels = api::find_path(pod, "metadata.labels");
  static const json none = json::object();
  return selector->matches(labels && labels->is_object() ? *labels : none);
}

bool pod_ready(const json& pod) {
  const json* conditions = api::find_path(pod, "status.conditions");
  if (!conditions || !conditions->is_array()) return false;
  for (const auto& c : *conditions)
    if (c.is_object() && c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

BudgetDecision check_budget(const json& pdb, const json& pod, const std::vector<json>& pods) {
  BudgetDecision d;
  Counts c;
  const json* observed = api::find_path(pdb, "status.observedGeneration");
  bool status_current = observed && observed->is_number_integer() &&
                        observed->get<int64_t>() >= api::int_at(pdb, "metadata.generation", 1);
  if (status_current) {
    c.healthy = api::int_at(pdb, "status.currentHealthy");
    c.desired = api::int_at(pdb, "status.desiredHealthy");
    c.allowed = api::int_at(pdb, "status.disruptionsAllowed");
  } else {
    c = compute(pdb, pods);
  }
  // A pod that is not Ready takes nothing from the budget: evicting it is allowed when the
  // policy says so, or (IfHealthyBudget, the default) when the budget is met anyway.
  if (!pod_ready(pod)) {
    if (api::string_at(pdb, "spec.unhealthyPodEvictionPolicy") == "AlwaysAllow" ||
        (c.healthy >= c.desired && c.desired > 0)) {
      d.allowed = true;
      return d;
    }
  }
  if (c.allowed < 0) {
    d.invalid_status = true;
    return d;
  }
  if (c.allowed == 0) {
    d.refusal = "The disruption budget " + api::string_at(pdb, "metadata.name") + " needs " + std::to_string(c.desired) +
                " healthy pods and has " + std::to_string(c.healthy) + " currently";
    return d;
  }
  d.allowed = true;
  d.consume_status = status_current;
  return d;
}

}  // namespace mk::apiserver
