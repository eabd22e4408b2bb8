// PersistentVolume, PersistentVolumeClaim and StorageClass columns.
#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

constexpr std::string_view kBetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

// The beta annotation, when present, overrides storageClassName.
std::string storage_class_of(const nlohmann::json& object) {
  const auto& annotations = object_at(object, "metadata.annotations");
  if (auto it = annotations.find(kBetaStorageClassAnnotation); it != annotations.end()) {
    return it->is_string() ? it->get<std::string>() : "";
  }
  return text_at(object, "spec.storageClassName");
}

// The phase, or Terminating once deletion has begun.
Cell phase_cell() {
  return [](const nlohmann::json& o) -> nlohmann::json {
    if (is_set(o, "metadata.deletionTimestamp")) return "Terminating";
    return text_at(o, "status.phase");
  };
}

// Volumes and claims without a mode decode as Filesystem upstream.
Cell volume_mode_cell() {
  return
      [](const nlohmann::json& o) -> nlohmann::json { return text_or(o, "spec.volumeMode", "Filesystem"); };
}

// "<unset>" when no class is named; an empty name prints as it is.
Cell volume_attributes_class_cell() {
  return [](const nlohmann::json& o) -> nlohmann::json {
    if (!is_set(o, "spec.volumeAttributesClassName")) return "<unset>";
    return text_at(o, "spec.volumeAttributesClassName");
  };
}

// "namespace/name" of the bound claim, "" when unbound.
nlohmann::json claim_cell(const nlohmann::json& pv) {
  if (!is_set(pv, "spec.claimRef")) return "";
  return text_at(pv, "spec.claimRef.namespace") + "/" + text_at(pv, "spec.claimRef.name");
}

// Capacity and access modes of a claim are those of its bound volume; blank until bound.
nlohmann::json claim_capacity_cell(const nlohmann::json& pvc) {
  if (text_at(pvc, "spec.volumeName").empty()) return "";
  return quantity_string(find_path(pvc, "status.capacity.storage"));
}

nlohmann::json claim_access_modes_cell(const nlohmann::json& pvc) {
  if (text_at(pvc, "spec.volumeName").empty()) return "";
  return access_modes(array_at(pvc, "status.accessModes"));
}

bool is_default_class(const nlohmann::json& sc) {
  const auto& annotations = object_at(sc, "metadata.annotations");
  for (const char* key :
       {"storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"}) {
    auto it = annotations.find(key);
    if (it != annotations.end() && it->is_string() && it->get<std::string>() == "true") return true;
  }
  return false;
}

}  // namespace

std::vector<PrinterColumn> persistent_volume_columns() {
  return {
      name_column(),
      column("Capacity", "string", "The volume's storage size.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return quantity_string(find_path(o, "spec.capacity.storage"));
             }),
      column("Access Modes", "string", "How the volume can be mounted: RWO, ROX, RWX, RWOP.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return access_modes(array_at(o, "spec.accessModes"));
             }),
      // A volume without a reclaim policy decodes as Retain upstream.
      column("Reclaim Policy", "string", "What happens to the volume when its claim is released.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return text_or(o, "spec.persistentVolumeReclaimPolicy", "Retain");
             }),
      column("Status", "string", "The volume's phase.", phase_cell()),
      column("Claim", "string", "The claim bound to the volume.", claim_cell),
      column("StorageClass", "string", "The storage class the volume belongs to.",
             [](const nlohmann::json& o) -> nlohmann::json { return storage_class_of(o); }),
      column("VolumeAttributesClass", "string", "The volume attributes class the volume uses.",
             volume_attributes_class_cell()),
      column("Reason", "string", "Why the volume is in its phase, for failures.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "status.reason"); }),
      age_column(),
      wide_column("VolumeMode", "string", "Filesystem or Block.", volume_mode_cell()),
  };
}

std::vector<PrinterColumn> persistent_volume_claim_columns() {
  return {
      name_column(),
      column("Status", "string", "The claim's phase.", phase_cell()),
      column("Volume", "string", "The volume bound to the claim.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "spec.volumeName"); }),
      column("Capacity", "string", "The bound volume's storage size.", claim_capacity_cell),
      column("Access Modes", "string", "How the bound volume can be mounted.", claim_access_modes_cell),
      column("StorageClass", "string", "The storage class the claim asks for.",
             [](const nlohmann::json& o) -> nlohmann::json { return storage_class_of(o); }),
      column("VolumeAttributesClass", "string", "The volume attributes class the claim asks for.",
             volume_attributes_class_cell()),
      age_column(),
      wide_column("VolumeMode", "string", "Filesystem or Block.", volume_mode_cell()),
  };
}

std::vector<PrinterColumn> storage_class_columns() {
  PrinterColumn name = name_column();
  // The default class is marked in its name, as kubectl has always shown it.
  name.cell = [](const nlohmann::json& o) -> nlohmann::json {
    std::string n = text_at(o, "metadata.name");
    return is_default_class(o) ? n + " (default)" : n;
  };
  return {
      std::move(name),
      column("Provisioner", "string", "The volume plugin that creates volumes of this class.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "provisioner"); }),
      column("ReclaimPolicy", "string", "The reclaim policy given to volumes of this class.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_or(o, "reclaimPolicy", "Delete"); }),
      column("VolumeBindingMode", "string",
             "When volumes are provisioned and bound: Immediate or WaitForFirstConsumer.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return text_or(o, "volumeBindingMode", "Immediate");
             }),
      column("AllowVolumeExpansion", "string", "Whether claims of this class may grow.",
             [](const nlohmann::json& o) -> nlohmann::json { return bool_at(o, "allowVolumeExpansion"); }),
      age_column(),
  };
}

}  // namespace mk::api::printers
