// ReplicaSets (apps/v1): one replica by default, ValidateReplicaSetSpec, and a selector fixed
// once created.
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"
#include "server/apiserver/strategies/workload_validation.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& obj, const AdmissionRequest&) {
  json& spec = ensure_object(obj, "spec");
  if (!has(spec, "replicas")) spec["replicas"] = 1;
  default_template_spec(obj);
}

std::vector<api::StatusCause> validate(const json& obj, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(obj, "spec");
  check_nonnegative_member(spec, "replicas", "spec", errs);
  check_nonnegative_member(spec, "minReadySeconds", "spec", errs);
  // Upstream shares the Deployment's wording here.
  validate_workload_selector(spec, "deployment", errs);
  validate_replica_set_template(spec, errs);
  if (req.old) check_selector_unchanged(obj, *req.old, errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy replicaset_strategy() {
  KindStrategy s;
  // ReplicaSetStatus.replicas has no omitempty: a new set shows replicas: 0.
  s.initial_status = [](const json&) { return json{{"replicas", 0}}; };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
