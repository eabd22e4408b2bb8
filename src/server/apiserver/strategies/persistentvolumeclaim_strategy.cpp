// PersistentVolumeClaims: ValidatePersistentVolumeClaimSpec (access modes, a positive storage
// request, class name) and ValidatePersistentVolumeClaimUpdate (the spec is fixed except a
// first volumeName, a first class name, and the storage request of a bound claim). A new claim
// starts Pending.
#include <nlohmann/json.hpp>

#include <optional>

#include "api/quantity.h"
#include "api/validation.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/strategy_util.h"
#include "server/apiserver/strategies/volume_access.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr const char* kBetaClassAnnotation = "volume.beta.kubernetes.io/storage-class";

std::optional<api::Quantity> storage_request(const json& spec) {
  const json* v = member(object_of(object_of(spec, "resources"), "requests"), "storage");
  if (!v) return std::nullopt;
  auto q = api::Quantity::parse(v->is_string() ? v->get<std::string>() : v->dump());
  if (!q) return std::nullopt;
  return *q;
}

void canonical(json& list) {
  if (!list.is_object()) return;
  for (auto& [name, value] : list.items()) {
    auto q = api::Quantity::parse(value.is_string() ? value.get<std::string>() : value.dump());
    if (q) value = q->to_string();
  }
}

void defaults(json& pvc, const AdmissionRequest&) {
  json& spec = ensure_object(pvc, "spec");
  if (unset_string(spec, "volumeMode")) spec["volumeMode"] = "Filesystem";
  if (spec.contains("resources") && spec["resources"].is_object())
    for (const char* list : {"requests", "limits"})
      if (spec["resources"].contains(list)) canonical(spec["resources"][list]);
}

void validate_spec(const json& spec, api::FieldErrors& out) {
  validate_access_modes(spec, "spec.accessModes", "at least 1 access mode is required", out);
  if (const json* selector = member(spec, "selector")) validate_label_selector(*selector, "spec.selector", out);
  const std::string storage_field = "spec.resources[storage]";
  const json* storage = member(object_of(object_of(spec, "resources"), "requests"), "storage");
  if (!storage) {
    out.push_back(api::field_required(storage_field, ""));
  } else {
    std::string text = storage->is_string() ? storage->get<std::string>() : storage->dump();
    auto q = api::Quantity::parse(text);
    if (!q) out.push_back(api::field_invalid(storage_field, text, q.error().message));
    else if (q->sign() <= 0) out.push_back(api::field_invalid(storage_field, q->to_string(), "must be greater than zero"));
  }
  std::string class_name = string_of(spec, "storageClassName");
  if (!class_name.empty()) add_invalid(out, "spec.storageClassName", class_name, api::check_dns1123_subdomain(class_name));
}

void validate_update(const json& pvc, const json& old, api::FieldErrors& out) {
  const json& spec = object_of(pvc, "spec");
  const json& old_spec = object_of(old, "spec");
  json now = spec;
  json before = old_spec;
  // The binder sets volumeName once.
  if (string_of(old_spec, "volumeName").empty()) {
    if (has(now, "volumeName")) before["volumeName"] = now["volumeName"];
    else before.erase("volumeName");
  }
  // A class may be given once to a claim that had none (or only the beta annotation naming it).
  std::string old_annotation = string_of(object_of(object_of(old, "metadata"), "annotations"), kBetaClassAnnotation);
  if (!has(old_spec, "storageClassName") &&
      (old_annotation.empty() || old_annotation == string_of(spec, "storageClassName")))
    now.erase("storageClassName");
  // A bound claim may ask for more storage.
  bool bound = string_of(object_of(old, "status"), "phase") == "Bound";
  if (bound && now.contains("resources") && now["resources"].is_object() && now["resources"].contains("requests")) {
    const json* old_storage = member(object_of(object_of(old_spec, "resources"), "requests"), "storage");
    if (old_storage) now["resources"]["requests"]["storage"] = *old_storage;
    else now["resources"]["requests"].erase("storage");
  }
  // volumeAttributesClassName is reported on its own below.
  now.erase("volumeAttributesClassName");
  before.erase("volumeAttributesClassName");
  if (!semantic_equal(now, before))
    out.push_back(api::field_forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
  // Shrinking is allowed only back towards what the volume actually has (recovery from a
  // failed expansion).
  auto new_size = storage_request(spec);
  auto old_size = storage_request(old_spec);
  if (new_size && old_size && *new_size < *old_size) {
    const json* capacity = member(object_of(object_of(old, "status"), "capacity"), "storage");
    auto status_size = capacity ? api::Quantity::parse(capacity->is_string() ? capacity->get<std::string>() : capacity->dump())
                                : Result<api::Quantity>(api::Quantity());
    if (status_size && *new_size <= *status_size)
      out.push_back(api::field_forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
  }
  if (string_of(spec, "volumeMode") != string_of(old_spec, "volumeMode"))
    out.push_back(api::field_invalid("volumeMode", string_of(spec, "volumeMode"), "field is immutable"));
  if (string_of(spec, "volumeAttributesClassName") != string_of(old_spec, "volumeAttributesClassName"))
    out.push_back(api::field_forbidden("spec.volumeAttributesClassName",
                                       "update is forbidden when the VolumeAttributesClass feature gate is disabled"));
}

std::vector<api::StatusCause> validate(const json& pvc, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  validate_spec(object_of(pvc, "spec"), errs);
  if (req.old) validate_update(pvc, *req.old, errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy persistentvolumeclaim_strategy() {
  KindStrategy s;
  s.initial_status = [](const json&) { return json{{"phase", "Pending"}}; };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
