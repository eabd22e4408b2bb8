// Jobs (batch/v1): SetDefaults_Job, the selector and pod labels the API server generates for a
// new job, ValidateJob, and the parts of a job that are fixed once created.
#include <nlohmann/json.hpp>

#include "api/go_strconv.h"
#include "api/label_selector.h"
#include "api/validation.h"
#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/job_spec_validation.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/strategy_util.h"
#include "server/apiserver/strategies/workload_validation.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr const char* kControllerUid = "batch.kubernetes.io/controller-uid";
constexpr const char* kJobName = "batch.kubernetes.io/job-name";
constexpr const char* kLegacyControllerUid = "controller-uid";
constexpr const char* kLegacyJobName = "job-name";

// generateSelector: the pods carry the job's name and uid, and the selector picks the uid.
void generate_selector(json& job) {
  const json& meta = object_of(job, "metadata");
  std::string name = string_of(meta, "name");
  std::string uid = string_of(meta, "uid");
  json& spec = ensure_object(job, "spec");
  json& labels = ensure_object(ensure_object(ensure_object(spec, "template"), "metadata"), "labels");
  // Labels the user already set are kept; a conflicting value is refused by validation.
  for (const char* key : {kLegacyJobName, kJobName})
    if (!labels.contains(key)) labels[key] = name;
  for (const char* key : {kLegacyControllerUid, kControllerUid})
    if (!labels.contains(key)) labels[key] = uid;
  json& match = ensure_object(ensure_object(spec, "selector"), "matchLabels");
  if (!match.contains(kControllerUid)) match[kControllerUid] = uid;
}

void defaults(json& job, const AdmissionRequest& req) {
  json& spec = ensure_object(job, "spec");
  bool create = req.verb == "create";
  // Completions default only when neither count was given; the schema fills parallelism first,
  // so a parallelism of exactly 1 stands for "not given". Stored jobs are left as they are.
  if (create && !has(spec, "completions") && int_of(spec, "parallelism").value_or(1) == 1) spec["completions"] = 1;
  if (!has(spec, "parallelism")) spec["parallelism"] = 1;
  if (!has(spec, "backoffLimit")) spec["backoffLimit"] = has(spec, "backoffLimitPerIndex") ? 2147483647 : 6;
  if (unset_string(spec, "completionMode")) spec["completionMode"] = "NonIndexed";
  if (!has(spec, "suspend")) spec["suspend"] = false;
  if (!has(spec, "podReplacementPolicy")) spec["podReplacementPolicy"] = has(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed";
  if (!has(spec, "manualSelector")) spec["manualSelector"] = false;
  if (spec.contains("podFailurePolicy") && spec["podFailurePolicy"].is_object() && spec["podFailurePolicy"].contains("rules") &&
      spec["podFailurePolicy"]["rules"].is_array()) {
    for (auto& rule : spec["podFailurePolicy"]["rules"]) {
      if (!rule.is_object() || !rule.contains("onPodConditions") || !rule["onPodConditions"].is_array()) continue;
      for (auto& pattern : rule["onPodConditions"])
        if (pattern.is_object() && unset_string(pattern, "status")) pattern["status"] = "True";
    }
  }
  default_template_spec(job);
  if (create && !bool_of(spec, "manualSelector")) generate_selector(job);
  // A job without labels of its own takes its pods' (applied whenever upstream decodes one).
  json& meta = ensure_object(job, "metadata");
  const json* template_labels = member(object_of(object_of(spec, "template"), "metadata"), "labels");
  if (template_labels && template_labels->is_object() && object_of(meta, "labels").empty()) meta["labels"] = *template_labels;
}

// ValidateHasLabel on the template's metadata.
void check_label(const json& pod_template, const char* key, const std::string& expected, api::FieldErrors& out) {
  const json* labels = member(object_of(pod_template, "metadata"), "labels");
  std::string field = key_path("spec.template.metadata.labels", key);
  const json* value = labels ? member(*labels, key) : nullptr;
  if (!value) {
    out.push_back(api::field_required(field, expected));
  } else if (!value->is_string() || value->get<std::string>() != expected) {
    out.push_back(api::field_invalid_verbatim(field, go_string_map(labels), "must be '" + expected + "'"));
  }
}

// validateGeneratedSelector: without manualSelector the selector and labels must be the
// generated ones. `prefixed` asks for the batch.kubernetes.io labels too (all jobs created
// since they exist).
void check_generated_selector(const json& job, bool prefixed, api::FieldErrors& out) {
  const json& spec = object_of(job, "spec");
  if (bool_of(spec, "manualSelector")) return;
  const json* selector = member(spec, "selector");
  if (!selector) return;
  const json& meta = object_of(job, "metadata");
  std::string uid = string_of(meta, "uid");
  std::string name = string_of(meta, "name");
  const json& pod_template = object_of(spec, "template");
  check_label(pod_template, kLegacyControllerUid, uid, out);
  check_label(pod_template, kLegacyJobName, name, out);
  json expected;
  if (prefixed) {
    check_label(pod_template, kControllerUid, uid, out);
    check_label(pod_template, kJobName, name, out);
    expected = {{kControllerUid, uid}};
  } else {
    expected = {{kLegacyControllerUid, uid}};
  }
  auto parsed = api::LabelSelector::from_json(*selector);
  if (!parsed) out.push_back(api::field_invalid_verbatim("spec.selector", go_label_selector(*selector), "invalid label selector"));
  if (!parsed || !parsed->matches(expected))
    out.push_back(api::field_invalid_verbatim("spec.selector", go_label_selector(*selector), "`selector` not auto-generated"));
}

// ValidateJobSpec: the shared spec rules, a selector, and the selector matching the template.
void check_job_spec(const json& spec, api::FieldErrors& out) {
  validate_job_spec(spec, "spec", out);
  const json* selector = member(spec, "selector");
  if (!selector) {
    out.push_back(api::field_required("spec.selector", ""));
  } else {
    validate_label_selector(*selector, "spec.selector", out);
  }
  static const json kNull;
  if (selector_converts(selector ? *selector : kNull))
    check_selector_matches_template(selector ? *selector : kNull, object_of(spec, "template"), "spec.template", out);
}

// Indexed pods are named <job>-<index>, which must stay a DNS label.
void check_indexed_name(const json& job, api::FieldErrors& out) {
  const json& spec = object_of(job, "spec");
  auto completions = int_of(spec, "completions");
  if (string_of(spec, "completionMode") != "Indexed" || !completions || *completions <= 0) return;
  std::string name = string_of(object_of(job, "metadata"), "name");
  std::string hostname = name + "-" + std::to_string(*completions - 1);
  if (!api::check_dns1123_label(hostname).empty())
    out.push_back(api::field_invalid("metadata.name", name, "will not able to create pod with invalid DNS label: " + hostname));
}

void check_immutable(const json& spec, const json& old_spec, const char* key, const std::string& shown, api::FieldErrors& out) {
  static const json kNull;
  const json* now = member(spec, key);
  const json* before = member(old_spec, key);
  if (!semantic_equal(now ? *now : kNull, before ? *before : kNull))
    out.push_back(api::field_invalid_verbatim(std::string("spec.") + key, shown, "field is immutable"));
}

std::string shown_int(const json& spec, const char* key) {
  auto v = int_of(spec, key);
  return v ? std::to_string(*v) : kGoNullPointer;
}

std::string shown_string(const json& spec, const char* key) {
  return has(spec, key) ? api::go_quote(string_of(spec, key)) : kGoNullPointer;
}

// ValidateJobSpecUpdate's immutable fields.
void check_update(const json& job, const json& old, api::FieldErrors& out) {
  const json& spec = object_of(job, "spec");
  const json& old_spec = object_of(old, "spec");
  // An indexed job may change completions together with parallelism (elastic indexed jobs).
  if (string_of(spec, "completionMode") == "Indexed") {
    auto completions = int_of(spec, "completions");
    if (completions && completions != int_of(old_spec, "completions") && completions != int_of(spec, "parallelism"))
      out.push_back(api::field_invalid_verbatim("spec.completions", std::to_string(*completions),
                                                "can only be modified in tandem with spec.parallelism"));
  } else {
    check_immutable(spec, old_spec, "completions", shown_int(spec, "completions"), out);
  }
  const json* selector = member(spec, "selector");
  check_immutable(spec, old_spec, "selector", selector ? go_label_selector(*selector) : kGoNullPointer, out);
  // A suspended job that never started may still change where its pods are scheduled.
  json before = object_of(old_spec, "template");
  const json& now = object_of(spec, "template");
  if (bool_of(old_spec, "suspend") && !has(object_of(old, "status"), "startTime")) {
    json& before_spec = ensure_object(before, "spec");
    json& before_meta = ensure_object(before, "metadata");
    const json& now_spec = object_of(now, "spec");
    const json& now_meta = object_of(now, "metadata");
    for (const char* f : {"affinity", "nodeSelector", "tolerations", "schedulingGates"}) {
      if (now_spec.contains(f)) before_spec[f] = now_spec[f];
      else before_spec.erase(f);
    }
    for (const char* f : {"labels", "annotations"}) {
      if (now_meta.contains(f)) before_meta[f] = now_meta[f];
      else before_meta.erase(f);
    }
  }
  // Upstream prints the whole template with %#v here.
  if (!semantic_equal(now, before))
    out.push_back(api::field_invalid_verbatim("spec.template", "core.PodTemplateSpec{...}", "field is immutable"));
  check_immutable(spec, old_spec, "completionMode", shown_string(spec, "completionMode"), out);
  check_immutable(spec, old_spec, "podFailurePolicy", has(spec, "podFailurePolicy") ? "batch.PodFailurePolicy{...}" : kGoNullPointer, out);
  check_immutable(spec, old_spec, "backoffLimitPerIndex", shown_int(spec, "backoffLimitPerIndex"), out);
  check_immutable(spec, old_spec, "managedBy", shown_string(spec, "managedBy"), out);
  check_immutable(spec, old_spec, "successPolicy", has(spec, "successPolicy") ? "batch.SuccessPolicy{...}" : kGoNullPointer, out);
  check_immutable(spec, old_spec, "podReplacementPolicy", shown_string(spec, "podReplacementPolicy"), out);
}

bool has_prefixed_labels(const json& job) {
  const json& labels = object_of(object_of(object_of(object_of(job, "spec"), "template"), "metadata"), "labels");
  return labels.contains(kControllerUid) && labels.contains(kJobName);
}

std::vector<api::StatusCause> validate(const json& job, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  check_generated_selector(job, !req.old || has_prefixed_labels(*req.old), errs);
  check_job_spec(object_of(job, "spec"), errs);
  check_indexed_name(job, errs);
  if (req.old) check_update(job, *req.old, errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy job_strategy() {
  KindStrategy s;
  s.initial_status = [](const json&) { return json::object(); };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
