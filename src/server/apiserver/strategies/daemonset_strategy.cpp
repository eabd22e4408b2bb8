// DaemonSets (apps/v1): SetDefaults_DaemonSet, ValidateDaemonSetSpec, and a selector fixed once
// created.
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/int_or_percent.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"
#include "server/apiserver/strategies/workload_validation.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& obj, const AdmissionRequest&) {
  json& spec = ensure_object(obj, "spec");
  json& strategy = ensure_object(spec, "updateStrategy");
  if (unset_string(strategy, "type")) strategy["type"] = "RollingUpdate";
  if (string_of(strategy, "type") == "RollingUpdate") {
    json& rolling = ensure_object(strategy, "rollingUpdate");
    if (!has(rolling, "maxUnavailable")) rolling["maxUnavailable"] = 1;
    if (!has(rolling, "maxSurge")) rolling["maxSurge"] = 0;
  }
  if (!has(spec, "revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  default_template_spec(obj);
}

void validate_update_strategy(const json& spec, api::FieldErrors& out) {
  const json& strategy = object_of(spec, "updateStrategy");
  if (string_of(strategy, "type") != "RollingUpdate") return;
  const std::string path = "spec.updateStrategy.rollingUpdate";
  const json* rolling = member(strategy, "rollingUpdate");
  if (!rolling) {
    out.push_back(api::field_required(path, ""));
    return;
  }
  const json* unavailable = member(*rolling, "maxUnavailable");
  const json* surge = member(*rolling, "maxSurge");
  validate_int_or_percent(unavailable, path + ".maxUnavailable", out);
  validate_int_or_percent(surge, path + ".maxSurge", out);
  check_not_over_100_percent(unavailable, path + ".maxUnavailable", out);
  check_not_over_100_percent(surge, path + ".maxSurge", out);
  // Exactly one of the two paces the update.
  bool has_unavailable = int_or_percent_value(unavailable) != 0;
  bool has_surge = int_or_percent_value(surge) != 0;
  if (has_unavailable && has_surge)
    out.push_back(api::field_invalid_verbatim(path + ".maxSurge", go_int_or_string(surge), "may not be set when maxUnavailable is non-zero"));
  if (!has_unavailable && !has_surge) out.push_back(api::field_required(path + ".maxUnavailable", "cannot be 0 when maxSurge is 0"));
}

std::vector<api::StatusCause> validate(const json& obj, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(obj, "spec");
  const json* selector = member(spec, "selector");
  static const json kNull;
  if (selector) validate_label_selector(*selector, "spec.selector", errs);
  const json& pod_template = object_of(spec, "template");
  if (selector_converts(selector ? *selector : kNull))
    check_selector_matches_template(selector ? *selector : kNull, pod_template, "spec.template", errs);
  if (selector && selector_is_empty(*selector))
    errs.push_back(api::field_invalid_verbatim("spec.selector", go_label_selector(*selector), "empty selector is invalid for daemonset"));
  validate_pod_template(pod_template, "spec.template", errs);
  require_restart_always(spec, errs);
  if (auto deadline = int_of(object_of(pod_template, "spec"), "activeDeadlineSeconds"))
    errs.push_back(api::field_invalid_verbatim("spec.template.spec.activeDeadlineSeconds", std::to_string(*deadline),
                                               "activeDeadlineSeconds in DaemonSet is not Supported"));
  check_nonnegative_member(spec, "minReadySeconds", "spec", errs);
  validate_update_strategy(spec, errs);
  check_nonnegative_member(spec, "revisionHistoryLimit", "spec", errs);
  if (req.old) check_selector_unchanged(obj, *req.old, errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy daemonset_strategy() {
  KindStrategy s;
  // The four counters of DaemonSetStatus have no omitempty.
  s.initial_status = [](const json&) {
    return json{{"currentNumberScheduled", 0}, {"numberMisscheduled", 0}, {"desiredNumberScheduled", 0}, {"numberReady", 0}};
  };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
