// PersistentVolumes: ValidatePersistentVolumeSpec's core (access modes, a storage capacity, one
// source, node affinity for local volumes) and ValidatePersistentVolumeUpdate (the source and
// volume mode are fixed). A new volume starts Pending.
#include <nlohmann/json.hpp>

#include "api/quantity.h"
#include "api/validation.h"
#include "server/apiserver/registry.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"
#include "server/apiserver/strategies/volume_access.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

const char* const kSources[] = {"gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd",
                                "iscsi", "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume",
                                "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local",
                                "storageos", "csi"};

json source_of(const json& spec) {
  json out = json::object();
  for (const char* s : kSources)
    if (const json* v = member(spec, s)) out[s] = *v;
  return out;
}

// Capacity is exactly one resource, storage, which must be positive.
void validate_capacity(const json& spec, api::FieldErrors& out) {
  const json* capacity = member(spec, "capacity");
  const json& list = object_of(spec, "capacity");
  if (list.empty()) out.push_back(api::field_required("spec.capacity", ""));
  if (!list.contains("storage") || list.size() > 1) {
    // %#v of the ResourceList; only the nil and empty cases print without Quantity internals.
    std::string shown = !capacity ? "core.ResourceList(nil)" : list.empty() ? "core.ResourceList{}" : "core.ResourceList{...}";
    api::FieldError e = api::field_not_supported("spec.capacity", shown, {"storage"});
    e.value_verbatim = true;
    out.push_back(e);
  }
  for (const auto& [name, value] : list.items()) {
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    auto q = api::Quantity::parse(text);
    if (q && q->sign() <= 0) out.push_back(api::field_invalid(key_path("spec.capacity", name), q->to_string(), "must be greater than zero"));
  }
}

std::vector<api::StatusCause> validate(const json& pv, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(pv, "spec");
  validate_access_modes(spec, "spec.accessModes", "", errs);
  validate_capacity(spec, errs);
  std::string class_name = string_of(spec, "storageClassName");
  if (!class_name.empty()) add_invalid(errs, "spec.storageClassName", class_name, api::check_dns1123_subdomain(class_name));
  int sources = 0;
  for (const char* s : kSources) {
    if (!has(spec, s)) continue;
    if (sources++ > 0) errs.push_back(api::field_forbidden(std::string("spec.") + s, "may not specify more than 1 volume type"));
  }
  if (sources == 0) errs.push_back(api::field_required("spec", "must specify a volume type"));
  if (has(spec, "local") && !has(object_of(spec, "nodeAffinity"), "required"))
    errs.push_back(api::field_required("spec.nodeAffinity", "Local volume requires node affinity"));
  if (req.old) {
    const json& old_spec = object_of(*req.old, "spec");
    if (!semantic_equal(source_of(spec), source_of(old_spec)))
      errs.push_back(api::field_forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
    if (string_of(spec, "volumeMode") != string_of(old_spec, "volumeMode"))
      errs.push_back(api::field_invalid("volumeMode", string_of(spec, "volumeMode"), "field is immutable"));
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy persistentvolume_strategy() {
  KindStrategy s;
  s.initial_status = [](const json&) { return json{{"phase", "Pending"}, {"lastPhaseTransitionTime", now_rfc3339()}}; };
  s.defaults = [](json& pv, const AdmissionRequest&) {
    json& spec = ensure_object(pv, "spec");
    if (unset_string(spec, "persistentVolumeReclaimPolicy")) spec["persistentVolumeReclaimPolicy"] = "Retain";
    if (unset_string(spec, "volumeMode")) spec["volumeMode"] = "Filesystem";
  };
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
