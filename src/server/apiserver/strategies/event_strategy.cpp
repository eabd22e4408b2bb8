// Events (core/v1): the fields v1 always encodes, and legacyValidateEvent: the involved
// object's namespace matches the event's, and events that carry an eventTime name their
// reporter, action and reason within upstream's lengths.
#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kReportingInstanceLimit = 128;
constexpr size_t kActionLimit = 128;
constexpr size_t kReasonLimit = 128;
constexpr size_t kNoteLimit = 1024;

// These v1 fields have no omitempty (or are structs), so upstream always shows them.
void defaults(json& ev, const AdmissionRequest&) {
  for (const char* time : {"eventTime", "firstTimestamp", "lastTimestamp"})
    if (!ev.contains(time)) ev[time] = nullptr;
  for (const char* name : {"reportingComponent", "reportingInstance"})
    if (!has(ev, name)) ev[name] = "";
  if (!has(ev, "source")) ev["source"] = json::object();
}

void check_length(const json& ev, const char* key, size_t limit, bool required, api::FieldErrors& out) {
  std::string v = string_of(ev, key);
  if (required && v.empty()) out.push_back(api::field_required(key, ""));
  if (v.size() > limit) out.push_back(api::field_invalid(key, "", "can have at most " + std::to_string(limit) + " characters"));
}

std::vector<api::StatusCause> validate(const json& ev, const AdmissionRequest&) {
  api::FieldErrors errs;
  std::string ns = string_of(object_of(ev, "metadata"), "namespace");
  std::string involved_ns = string_of(object_of(ev, "involvedObject"), "namespace");
  const std::string mismatch = "does not match event.namespace";
  if (!has(ev, "eventTime")) {
    // Old-style events: the namespaces agree, or a cluster-scoped object's event lives in
    // default (or has no namespace).
    if (involved_ns.empty() ? !(ns.empty() || ns == "default") : ns != involved_ns)
      errs.push_back(api::field_invalid("involvedObject.namespace", involved_ns, mismatch));
  } else {
    if (involved_ns.empty() && ns != "default" && ns != "kube-system")
      errs.push_back(api::field_invalid("involvedObject.namespace", involved_ns, mismatch));
    std::string reporter = string_of(ev, "reportingComponent");
    if (reporter.empty()) errs.push_back(api::field_required("reportingComponent", ""));
    add_invalid(errs, "reportingComponent", reporter, api::check_qualified_name(reporter));
    check_length(ev, "reportingInstance", kReportingInstanceLimit, true, errs);
    check_length(ev, "action", kActionLimit, true, errs);
    check_length(ev, "reason", kReasonLimit, true, errs);
    check_length(ev, "message", kNoteLimit, false, errs);
  }
  add_invalid(errs, "namespace", ns, api::check_dns1123_subdomain(ns));
  return to_causes(errs);
}

}  // namespace

KindStrategy event_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
