// CronJobs (batch/v1): the job template's pod defaults, and validateCronJobSpec: a parseable
// schedule, a known time zone, history limits, and a job template whose selector the
// controller generates.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "api/go_strconv.h"
#include "server/apiserver/strategies/cron_schedule.h"
#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/job_spec_validation.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/pod_defaults.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& obj, const AdmissionRequest&) {
  json& spec = ensure_object(obj, "spec");
  if (unset_string(spec, "concurrencyPolicy")) spec["concurrencyPolicy"] = "Allow";
  if (!has(spec, "suspend")) spec["suspend"] = false;
  if (!has(spec, "successfulJobsHistoryLimit")) spec["successfulJobsHistoryLimit"] = 3;
  if (!has(spec, "failedJobsHistoryLimit")) spec["failedJobsHistoryLimit"] = 1;
  json& job_spec = ensure_object(ensure_object(spec, "jobTemplate"), "spec");
  default_pod_spec(ensure_object(ensure_object(job_spec, "template"), "spec"));
}

void check_schedule(const json& spec, const json* old_spec, api::FieldErrors& out) {
  std::string schedule = string_of(spec, "schedule");
  if (schedule.empty()) {
    out.push_back(api::field_required("spec.schedule", ""));
    return;
  }
  if (auto e = check_cron_schedule(schedule)) out.push_back(api::field_invalid("spec.schedule", schedule, *e));
  // A time zone inside the schedule is only tolerated on objects that already had one.
  bool tz = schedule.find("TZ") != std::string::npos;
  bool allow_tz = old_spec && string_of(*old_spec, "schedule").find("TZ") != std::string::npos;
  if (allow_tz && tz && has(spec, "timeZone")) {
    out.push_back(api::field_invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
  } else if (!allow_tz && tz) {
    out.push_back(api::field_invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  }
}

bool valid_zone_part(const std::string& part) {
  if (part.empty() || part == "." || part == ".." || part.front() == '-') return false;
  for (char c : part)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '+' || c == '.')) return false;
  return true;
}

// validateTimeZone: an IANA zone name the system knows.
void check_time_zone(const json& spec, api::FieldErrors& out) {
  if (!has(spec, "timeZone")) return;
  std::string zone = string_of(spec, "timeZone");
  const std::string field = "spec.timeZone";
  if (zone.empty()) {
    out.push_back(api::field_invalid(field, zone, "timeZone must be nil or non-empty string"));
    return;
  }
  size_t start = 0;
  while (true) {
    size_t slash = zone.find('/', start);
    if (!valid_zone_part(zone.substr(start, slash == std::string::npos ? std::string::npos : slash - start))) {
      out.push_back(api::field_invalid(field, zone, "unknown time zone " + zone));
      return;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  bool local = zone.size() == 5 && (zone[0] == 'L' || zone[0] == 'l') &&
               std::equal(zone.begin() + 1, zone.end(), "ocal", [](char a, char b) { return std::tolower(a) == b; });
  if (local) {
    out.push_back(api::field_invalid(field, zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
  }
  std::error_code ec;
  if (zone != "UTC" && !local && !std::filesystem::is_regular_file("/usr/share/zoneinfo/" + zone, ec))
    out.push_back(api::field_invalid(field, zone, "unknown time zone " + zone));
}

std::vector<api::StatusCause> validate(const json& obj, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(obj, "spec");
  const json* old_spec = req.old ? &object_of(*req.old, "spec") : nullptr;
  check_schedule(spec, old_spec, errs);
  check_nonnegative_member(spec, "startingDeadlineSeconds", "spec", errs);
  if (!old_spec || string_of(*old_spec, "timeZone") != string_of(spec, "timeZone") || has(*old_spec, "timeZone") != has(spec, "timeZone"))
    check_time_zone(spec, errs);
  // ValidateJobTemplateSpec: the controller generates every job's selector.
  const json& job_spec = object_of(object_of(spec, "jobTemplate"), "spec");
  validate_job_spec(job_spec, "spec.jobTemplate.spec", errs);
  if (const json* selector = member(job_spec, "selector"))
    errs.push_back(api::field_invalid_verbatim("spec.jobTemplate.spec.selector", go_label_selector(*selector), "`selector` will be auto-generated"));
  if (bool_of(job_spec, "manualSelector")) {
    api::FieldError e = api::field_not_supported("spec.jobTemplate.spec.manualSelector", "true", {"nil", "false"});
    e.value_verbatim = true;  // a *bool prints as true, unquoted
    errs.push_back(e);
  }
  check_nonnegative_member(spec, "successfulJobsHistoryLimit", "spec", errs);
  check_nonnegative_member(spec, "failedJobsHistoryLimit", "spec", errs);
  // Jobs are named <cronjob>-<11 digits> and must stay within 63 characters.
  std::string name = string_of(object_of(obj, "metadata"), "name");
  if (!req.old && name.size() > 52) errs.push_back(api::field_invalid("metadata.name", name, "must be no more than 52 characters"));
  return to_causes(errs);
}

}  // namespace

KindStrategy cronjob_strategy() {
  KindStrategy s;
  s.initial_status = [](const json&) { return json::object(); };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
