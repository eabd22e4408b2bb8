#include "server/apiserver/strategies/job_spec_validation.h"

#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr int64_t kMaxParallelismForIndexedJob = 100000;

void check_completion_mode(const json& spec, const std::string& path, api::FieldErrors& out) {
  std::string mode = string_of(spec, "completionMode");
  if (mode == "Indexed") {
    if (!has(spec, "completions")) out.push_back(api::field_required(path + ".completions", "when completion mode is Indexed"));
    if (auto parallelism = int_of(spec, "parallelism"); parallelism && *parallelism > kMaxParallelismForIndexedJob)
      out.push_back(api::field_invalid_verbatim(path + ".parallelism", std::to_string(*parallelism),
                                                "must be less than or equal to 100000 when completion mode is Indexed"));
    auto completions = int_of(spec, "completions");
    auto max_failed = int_of(spec, "maxFailedIndexes");
    if (completions && max_failed && *max_failed > *completions)
      out.push_back(api::field_invalid_verbatim(path + ".maxFailedIndexes", std::to_string(*max_failed),
                                                "must be less than or equal to completions"));
    return;
  }
  // Per-index limits only mean something for indexed jobs.
  if (auto per_index = int_of(spec, "backoffLimitPerIndex"))
    out.push_back(api::field_invalid_verbatim(path + ".backoffLimitPerIndex", std::to_string(*per_index), "requires indexed completion mode"));
  if (auto max_failed = int_of(spec, "maxFailedIndexes"))
    out.push_back(api::field_invalid_verbatim(path + ".maxFailedIndexes", std::to_string(*max_failed), "requires indexed completion mode"));
}

void check_pod_replacement(const json& spec, const std::string& path, api::FieldErrors& out) {
  std::string policy = string_of(spec, "podReplacementPolicy");
  if (policy.empty()) return;
  if (has(spec, "podFailurePolicy")) {
    if (policy != "Failed") out.push_back(api::field_not_supported(path + ".podReplacementPolicy", policy, {"Failed"}));
  } else if (policy != "Failed" && policy != "TerminatingOrFailed") {
    out.push_back(api::field_not_supported(path + ".podReplacementPolicy", policy, {"Failed", "TerminatingOrFailed"}));
  }
}

void check_restart_policy(const json& spec, const std::string& path, api::FieldErrors& out) {
  std::string field = path + ".template.spec.restartPolicy";
  std::string policy = string_of(object_of(object_of(spec, "template"), "spec"), "restartPolicy");
  // Defaulting turns an unset policy into Always, so both mean "not chosen".
  if (policy == "Always" || policy.empty()) {
    out.push_back(api::field_required(field, "valid values: \"OnFailure\", \"Never\""));
  } else if (policy != "OnFailure" && policy != "Never") {
    out.push_back(api::field_not_supported(field, policy, {"OnFailure", "Never"}));
  } else if (has(spec, "podFailurePolicy") && policy != "Never") {
    out.push_back(api::field_invalid(field, policy, "only \"Never\" is supported when podFailurePolicy is specified"));
  }
}

}  // namespace

void validate_job_spec(const json& spec, const std::string& path, api::FieldErrors& out) {
  for (const char* f : {"parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
                        "backoffLimitPerIndex", "maxFailedIndexes"})
    check_nonnegative_member(spec, f, path, out);
  if (has(spec, "maxFailedIndexes") && !has(spec, "backoffLimitPerIndex"))
    out.push_back(api::field_required(path + ".backoffLimitPerIndex", "when maxFailedIndexes is specified"));
  check_completion_mode(spec, path, out);
  check_pod_replacement(spec, path, out);
  validate_pod_template(object_of(spec, "template"), path + ".template", out);
  check_restart_policy(spec, path, out);
}

}  // namespace mk::apiserver
