// Deployments (apps/v1): SetDefaults_Deployment, ValidateDeploymentSpec, and a selector fixed
// once created.
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/int_or_percent.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"
#include "server/apiserver/strategies/workload_validation.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& obj, const AdmissionRequest&) {
  json& spec = ensure_object(obj, "spec");
  if (!has(spec, "replicas")) spec["replicas"] = 1;
  json& strategy = ensure_object(spec, "strategy");
  if (unset_string(strategy, "type")) strategy["type"] = "RollingUpdate";
  if (string_of(strategy, "type") == "RollingUpdate") {
    json& rolling = ensure_object(strategy, "rollingUpdate");
    if (!has(rolling, "maxUnavailable")) rolling["maxUnavailable"] = "25%";
    if (!has(rolling, "maxSurge")) rolling["maxSurge"] = "25%";
  }
  if (!has(spec, "revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  if (!has(spec, "progressDeadlineSeconds")) spec["progressDeadlineSeconds"] = 600;
  default_template_spec(obj);
}

void validate_strategy(const json& spec, api::FieldErrors& out) {
  const json& strategy = object_of(spec, "strategy");
  std::string type = string_of(strategy, "type");
  const json* rolling = member(strategy, "rollingUpdate");
  if (type == "Recreate") {
    if (rolling)
      out.push_back(api::field_forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
    return;
  }
  if (type != "RollingUpdate") return;  // the schema's enum refuses other values
  if (!rolling) {
    out.push_back(api::field_required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
    return;
  }
  const json* unavailable = member(*rolling, "maxUnavailable");
  const json* surge = member(*rolling, "maxSurge");
  validate_int_or_percent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable", out);
  validate_int_or_percent(surge, "spec.strategy.rollingUpdate.maxSurge", out);
  if (int_or_percent_value(unavailable) == 0 && int_or_percent_value(surge) == 0)
    out.push_back(api::field_invalid_verbatim("spec.strategy.rollingUpdate.maxUnavailable", go_int_or_string(unavailable),
                                              "may not be 0 when `maxSurge` is 0"));
  check_not_over_100_percent(unavailable, "spec.strategy.rollingUpdate.maxUnavailable", out);
}

std::vector<api::StatusCause> validate(const json& obj, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(obj, "spec");
  check_nonnegative_member(spec, "replicas", "spec", errs);
  validate_workload_selector(spec, "deployment", errs);
  validate_replica_set_template(spec, errs);
  validate_strategy(spec, errs);
  check_nonnegative_member(spec, "minReadySeconds", "spec", errs);
  check_nonnegative_member(spec, "revisionHistoryLimit", "spec", errs);
  if (auto deadline = int_of(spec, "progressDeadlineSeconds")) {
    check_nonnegative(*deadline, "spec.progressDeadlineSeconds", errs);
    if (*deadline <= int_of(spec, "minReadySeconds").value_or(0))
      errs.push_back(api::field_invalid_verbatim("spec.progressDeadlineSeconds", std::to_string(*deadline),
                                                 "must be greater than minReadySeconds"));
  }
  if (req.old) check_selector_unchanged(obj, *req.old, errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy deployment_strategy() {
  KindStrategy s;
  s.initial_status = [](const json&) { return json::object(); };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
