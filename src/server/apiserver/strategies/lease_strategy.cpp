// Leases (coordination.k8s.io/v1): ValidateLeaseSpec. The coordinated leader election fields
// belong to a feature that is off in 1.32, so new uses of them are dropped as upstream drops
// disabled fields.
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& lease, const AdmissionRequest& req) {
  if (!lease.contains("spec") || !lease["spec"].is_object()) return;
  static const json kNone = json::object();
  const json& old_spec = req.old ? object_of(*req.old, "spec") : kNone;
  for (const char* f : {"strategy", "preferredHolder"})
    if (!has(old_spec, f)) lease["spec"].erase(f);
}

std::vector<api::StatusCause> validate(const json& lease, const AdmissionRequest&) {
  api::FieldErrors errs;
  const json& spec = object_of(lease, "spec");
  if (auto d = int_of(spec, "leaseDurationSeconds"); d && *d <= 0)
    errs.push_back(api::field_invalid_verbatim("spec.leaseDurationSeconds", std::to_string(*d), "must be greater than 0"));
  if (auto t = int_of(spec, "leaseTransitions"); t && *t < 0)
    errs.push_back(api::field_invalid_verbatim("spec.leaseTransitions", std::to_string(*t), "must be greater than or equal to 0"));
  if (!string_of(spec, "preferredHolder").empty() && string_of(spec, "strategy").empty())
    errs.push_back(api::field_forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
  return to_causes(errs);
}

}  // namespace

KindStrategy lease_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
