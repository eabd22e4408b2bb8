// PodDisruptionBudgets (policy/v1): ValidatePodDisruptionBudgetSpec (minAvailable or
// maxUnavailable, each a count or a percentage of at most 100%, and a valid selector). A new
// budget starts with its counters at zero.
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/int_or_percent.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// %#v of the spec struct. Its members are pointers, which Go prints as addresses; a fixed
// stand-in address marks the ones that are set.
std::string go_pdb_spec(const json& spec) {
  auto pointer = [&](const char* key, const char* type) {
    return std::string("(*") + type + ")(" + (has(spec, key) ? "0xc000000000" : "nil") + ")";
  };
  return "policy.PodDisruptionBudgetSpec{MinAvailable:" + pointer("minAvailable", "intstr.IntOrString") +
         ", Selector:" + pointer("selector", "v1.LabelSelector") + ", MaxUnavailable:" + pointer("maxUnavailable", "intstr.IntOrString") +
         ", UnhealthyPodEvictionPolicy:" + pointer("unhealthyPodEvictionPolicy", "policy.UnhealthyPodEvictionPolicyType") + "}";
}

std::vector<api::StatusCause> validate(const json& pdb, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(pdb, "spec");
  const json* min = member(spec, "minAvailable");
  const json* max = member(spec, "maxUnavailable");
  if (min && max) errs.push_back(api::field_invalid_verbatim("spec", go_pdb_spec(spec), "minAvailable and maxUnavailable cannot be both set"));
  if (min) {
    validate_int_or_percent(min, "spec.minAvailable", errs);
    check_not_over_100_percent(min, "spec.minAvailable", errs);
  }
  if (max) {
    validate_int_or_percent(max, "spec.maxUnavailable", errs);
    check_not_over_100_percent(max, "spec.maxUnavailable", errs);
  }
  if (const json* selector = member(spec, "selector")) validate_label_selector(*selector, "spec.selector", errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy poddisruptionbudget_strategy() {
  KindStrategy s;
  // These counters have no omitempty in PodDisruptionBudgetStatus.
  s.initial_status = [](const json&) {
    return json{{"disruptionsAllowed", 0}, {"currentHealthy", 0}, {"desiredHealthy", 0}, {"expectedPods", 0}};
  };
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
