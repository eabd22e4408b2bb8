// Pods: PodSpec defaults and the pod-only ones, the admission plugins' changes to new pods,
// ValidatePodCreate/ValidatePodUpdate, and the Pending status a new pod starts with.
#include <nlohmann/json.hpp>

#include <cctype>

#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/pod_admission.h"
#include "server/apiserver/strategies/pod_defaults.h"
#include "server/apiserver/strategies/pod_qos.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/pod_update_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& pod, const AdmissionRequest& req) {
  json& spec = ensure_object(pod, "spec");
  default_pod_spec(spec);
  default_pod_only(spec);
  if (req.verb == "create") admit_new_pod(pod, req.ctx);
}

// Rules for Pod objects that templates do not have (validatePodMetadataAndSpec, ValidatePodCreate).
void validate_pod_only(const json& spec, bool create, api::FieldErrors& out) {
  if (string_of(spec, "serviceAccountName").empty()) {
    const json& volumes = array_of(spec, "volumes");
    for (size_t vi = 0; vi < volumes.size(); ++vi) {
      const json& sources = array_of(object_of(volumes[vi], "projected"), "sources");
      for (size_t si = 0; si < sources.size(); ++si)
        if (has(sources[si], "serviceAccountToken"))
          out.push_back(api::field_forbidden(index_path(index_path("spec.volumes", vi) + ".projected.sources", si) + ".serviceAccountToken",
                                             "must not be specified when serviceAccountName is not set"));
    }
  }
  for (const char* list : {"containers", "initContainers"}) {
    const json& containers = array_of(spec, list);
    for (size_t i = 0; i < containers.size(); ++i) {
      std::string image = string_of(containers[i], "image");
      bool padded = !image.empty() && (std::isspace(static_cast<unsigned char>(image.front())) ||
                                       std::isspace(static_cast<unsigned char>(image.back())));
      if (padded)
        out.push_back(api::field_invalid(index_path(std::string("spec.") + list, i) + ".image", image,
                                         "must not have leading or trailing whitespace"));
    }
  }
  if (!create) return;
  // Ephemeral containers are added through their own subresource, never at creation.
  if (!array_of(spec, "ephemeralContainers").empty())
    out.push_back(api::field_forbidden("spec.ephemeralContainers", "cannot be set on create"));
  if (!string_of(spec, "nodeName").empty() && !array_of(spec, "schedulingGates").empty())
    out.push_back(api::field_forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"));
}

std::vector<api::StatusCause> validate(const json& pod, const AdmissionRequest& req) {
  // A status write keeps the stored spec, which was validated when it was written.
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(pod, "spec");
  validate_pod_spec(spec, "spec", true, errs);
  validate_pod_only(spec, req.verb == "create", errs);
  if (req.old && req.subresource.empty()) validate_pod_update(pod, *req.old, errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy pod_strategy() {
  KindStrategy s;
  s.initial_status = [](const json& pod) {
    return json{{"phase", "Pending"}, {"qosClass", pod_qos_class(object_of(pod, "spec"))}};
  };
  s.defaults = defaults;
  s.validate = validate;
  s.before_create = [](json& pod, const AdmissionRequest& req) { return check_pod_priority(pod, req.ctx); };
  return s;
}

}  // namespace mk::apiserver
