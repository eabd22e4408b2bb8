// PriorityClasses (scheduling.k8s.io/v1): ValidatePriorityClass (the system- prefix is reserved
// for the built-in classes, user values stop at one billion) and ValidatePriorityClassUpdate
// (value and preemption policy are fixed).
#include <nlohmann/json.hpp>

#include "api/go_strconv.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr int64_t kHighestUserDefinablePriority = 1000000000;

// IsKnownSystemPriorityClass: the error text, or "" for a known system class as defined.
std::string system_class_problem(const std::string& name, int64_t value, bool global_default) {
  struct Known {
    const char* name;
    int64_t value;
  };
  for (Known k : {Known{"system-node-critical", 2000001000}, Known{"system-cluster-critical", 2000000000}}) {
    if (name != k.name) continue;
    if (value != k.value) return "value of " + name + " PriorityClass must be " + std::to_string(k.value);
    if (global_default) return "globalDefault of " + name + " PriorityClass must be false";
    return "";
  }
  return name + " is not a known system priority class";
}

std::vector<api::StatusCause> validate(const json& pc, const AdmissionRequest& req) {
  api::FieldErrors errs;
  int64_t value = int_of(pc, "value").value_or(0);
  if (req.old) {
    if (value != int_of(*req.old, "value").value_or(0)) errs.push_back(api::field_forbidden("value", "may not be changed in an update."));
    std::string policy = string_of(pc, "preemptionPolicy");
    if (policy != string_of(*req.old, "preemptionPolicy"))
      errs.push_back(api::field_invalid_verbatim("preemptionPolicy", has(pc, "preemptionPolicy") ? api::go_quote(policy) : "\"null\"",
                                                 "field is immutable"));
    return to_causes(errs);
  }
  std::string name = string_of(object_of(pc, "metadata"), "name");
  if (name.rfind("system-", 0) == 0) {
    std::string problem = system_class_problem(name, value, bool_of(pc, "globalDefault"));
    if (!problem.empty())
      errs.push_back(api::field_forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: " + problem));
  } else if (value > kHighestUserDefinablePriority) {
    errs.push_back(api::field_forbidden("value", "maximum allowed value of a user defined priority is 1000000000"));
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy priorityclass_strategy() {
  KindStrategy s;
  s.defaults = [](json& pc, const AdmissionRequest&) {
    if (unset_string(pc, "preemptionPolicy")) pc["preemptionPolicy"] = "PreemptLowerPriority";
  };
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
