#include "server/apiserver/strategies/workload_validation.h"

#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/pod_defaults.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {

using nlohmann::json;

void default_template_spec(json& obj) {
  json& spec = ensure_object(obj, "spec");
  json& pod_template = ensure_object(spec, "template");
  default_pod_spec(ensure_object(pod_template, "spec"));
}

void validate_workload_selector(const json& spec, const std::string& noun, api::FieldErrors& out) {
  const json* selector = member(spec, "selector");
  if (!selector) {
    out.push_back(api::field_required("spec.selector", ""));
    return;
  }
  validate_label_selector(*selector, "spec.selector", out);
  if (selector_is_empty(*selector))
    out.push_back(api::field_invalid_verbatim("spec.selector", go_label_selector(*selector), "empty selector is invalid for " + noun));
}

void require_restart_always(const json& spec, api::FieldErrors& out) {
  std::string policy = string_of(object_of(object_of(spec, "template"), "spec"), "restartPolicy");
  if (policy != "Always") out.push_back(api::field_not_supported("spec.template.spec.restartPolicy", policy, {"Always"}));
}

void validate_replica_set_template(const json& spec, api::FieldErrors& out) {
  static const json kNull;
  const json* selector = member(spec, "selector");
  if (!selector_converts(selector ? *selector : kNull)) {
    out.push_back(api::field_invalid_verbatim("spec.selector", selector ? go_label_selector(*selector) : kGoNullPointer,
                                              "invalid label selector"));
    return;
  }
  const json& pod_template = object_of(spec, "template");
  check_selector_matches_template(selector ? *selector : kNull, pod_template, "spec.template", out);
  validate_pod_template(pod_template, "spec.template", out);
  require_restart_always(spec, out);
  if (auto deadline = int_of(object_of(pod_template, "spec"), "activeDeadlineSeconds"))
    out.push_back(api::field_invalid_verbatim("spec.template.spec.activeDeadlineSeconds", std::to_string(*deadline),
                                              "activeDeadlineSeconds in ReplicaSet is not Supported"));
}

void check_selector_unchanged(const json& obj, const json& old, api::FieldErrors& out) {
  const json* now = member(object_of(obj, "spec"), "selector");
  const json* before = member(object_of(old, "spec"), "selector");
  static const json kNull;
  if (semantic_equal(now ? *now : kNull, before ? *before : kNull)) return;
  out.push_back(api::field_invalid_verbatim("spec.selector", now ? go_label_selector(*now) : kGoNullPointer, "field is immutable"));
}

}  // namespace mk::apiserver
