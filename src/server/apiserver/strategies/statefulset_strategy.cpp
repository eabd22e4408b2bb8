// StatefulSets (apps/v1): SetDefaults_StatefulSet, ValidateStatefulSetSpec (which leaves the
// template's pod spec to pod creation), and the fields an update may change.
#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/int_or_percent.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/strategy_util.h"
#include "server/apiserver/strategies/workload_validation.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& obj, const AdmissionRequest&) {
  json& spec = ensure_object(obj, "spec");
  if (unset_string(spec, "podManagementPolicy")) spec["podManagementPolicy"] = "OrderedReady";
  json& strategy = ensure_object(spec, "updateStrategy");
  // Only a strategy whose type was left out gets a rollingUpdate block.
  if (unset_string(strategy, "type")) {
    strategy["type"] = "RollingUpdate";
    ensure_object(strategy, "rollingUpdate");
  }
  if (string_of(strategy, "type") == "RollingUpdate" && has(strategy, "rollingUpdate")) {
    json& rolling = ensure_object(strategy, "rollingUpdate");
    if (!has(rolling, "partition")) rolling["partition"] = 0;
  }
  json& retention = ensure_object(spec, "persistentVolumeClaimRetentionPolicy");
  if (unset_string(retention, "whenDeleted")) retention["whenDeleted"] = "Retain";
  if (unset_string(retention, "whenScaled")) retention["whenScaled"] = "Retain";
  if (!has(spec, "replicas")) spec["replicas"] = 1;
  if (!has(spec, "revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  default_template_spec(obj);
}

void validate_update_strategy(const json& spec, api::FieldErrors& out) {
  const json& strategy = object_of(spec, "updateStrategy");
  std::string type = string_of(strategy, "type");
  const json* rolling = member(strategy, "rollingUpdate");
  if (type.empty()) {
    out.push_back(api::field_required("spec.updateStrategy", ""));
  } else if (type == "OnDelete") {
    if (rolling) {
      // %#v of the struct; a set maxUnavailable is a pointer whose address Go would print.
      std::string shown = "apps.RollingUpdateStatefulSetStrategy{Partition:" +
                          std::to_string(int_of(*rolling, "partition").value_or(0)) + ", MaxUnavailable:" +
                          (has(*rolling, "maxUnavailable") ? "(*intstr.IntOrString)(0xc000000000)" : "(*intstr.IntOrString)(nil)") + "}";
      out.push_back(api::field_invalid_verbatim("spec.updateStrategy.rollingUpdate", shown,
                                                "only allowed for updateStrategy 'RollingUpdate'"));
    }
  } else if (type == "RollingUpdate" && rolling) {
    const std::string path = "spec.updateStrategy.rollingUpdate";
    check_nonnegative_member(*rolling, "partition", path, out);
    if (const json* unavailable = member(*rolling, "maxUnavailable")) {
      validate_int_or_percent(unavailable, path + ".maxUnavailable", out);
      if (int_or_percent_value(unavailable) == 0)
        out.push_back(api::field_invalid_verbatim(path + ".maxUnavailable", go_int_or_string(unavailable), "cannot be 0"));
      check_not_over_100_percent(unavailable, path + ".maxUnavailable", out);
    }
  }
}

std::vector<api::StatusCause> validate(const json& obj, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(obj, "spec");
  std::string policy = string_of(spec, "podManagementPolicy");
  if (policy.empty()) errs.push_back(api::field_required("spec.podManagementPolicy", ""));
  validate_update_strategy(spec, errs);
  check_nonnegative_member(spec, "replicas", "spec", errs);
  if (const json* ordinals = member(spec, "ordinals"))
    if (auto start = int_of(*ordinals, "start")) check_nonnegative(*start, "spec.ordinals.start", errs);
  validate_workload_selector(spec, "statefulset", errs);
  static const json kNull;
  const json* selector = member(spec, "selector");
  const json& pod_template = object_of(spec, "template");
  if (!selector_converts(selector ? *selector : kNull)) {
    errs.push_back(api::field_invalid_verbatim("spec.selector", selector ? go_label_selector(*selector) : kGoNullPointer, ""));
  } else {
    // ValidatePodTemplateSpecForStatefulSet: labels and annotations only; pods are validated
    // when the controller creates them.
    check_selector_matches_template(selector ? *selector : kNull, pod_template, "spec.template", errs);
    const json& meta = object_of(pod_template, "metadata");
    append(errs, api::validate_labels(object_of(meta, "labels"), "spec.template.labels"));
    append(errs, api::validate_annotations(object_of(meta, "annotations"), "spec.template.annotations"));
  }
  require_restart_always(spec, errs);
  if (has(object_of(pod_template, "spec"), "activeDeadlineSeconds"))
    errs.push_back(api::field_forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
  if (req.old) {
    // Everything but these fields is fixed once the set exists.
    json now = spec;
    json before = object_of(*req.old, "spec");
    for (const char* f : {"replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                          "persistentVolumeClaimRetentionPolicy", "minReadySeconds"}) {
      now.erase(f);
      before.erase(f);
    }
    if (!semantic_equal(now, before))
      errs.push_back(api::field_forbidden("spec",
                                          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                                          "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
                                          "'minReadySeconds' are forbidden"));
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy statefulset_strategy() {
  KindStrategy s;
  // replicas and availableReplicas have no omitempty in StatefulSetStatus.
  s.initial_status = [](const json&) { return json{{"replicas", 0}, {"availableReplicas", 0}}; };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
