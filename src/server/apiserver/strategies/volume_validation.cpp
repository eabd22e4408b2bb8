// A PodSpec's volumes (ValidateVolumes): unique DNS-1123 label names, exactly one source, and
// the checks of the sources pods commonly use (secret, configMap, hostPath, claims, items).
#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// The order validateVolumeSource looks at the sources in: the second one found is reported.
const char* const kSources[] = {
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
    "glusterfs", "flexVolume", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI",
    "fc", "flocker", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk",
    "storageos", "projected", "scaleIO", "csi", "ephemeral", "image"};

constexpr const char* kFileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive";

void check_mode(const json& source, const char* key, const std::string& field, api::FieldErrors& out) {
  auto mode = int_of(source, key);
  if (mode && (*mode < 0 || *mode > 0777)) out.push_back(api::field_invalid_verbatim(field, std::to_string(*mode), kFileModeMessage));
}

void check_no_backsteps(const std::string& value, const std::string& field, api::FieldErrors& out) {
  size_t start = 0;
  while (true) {
    size_t slash = value.find('/', start);
    if (value.substr(start, slash == std::string::npos ? std::string::npos : slash - start) == "..") {
      out.push_back(api::field_invalid(field, value, "must not contain '..'"));
      return;
    }
    if (slash == std::string::npos) return;
    start = slash + 1;
  }
}

// validateKeyToPath for secret and configMap items.
void validate_items(const json& source, const std::string& path, api::FieldErrors& out) {
  const json& items = array_of(source, "items");
  for (size_t i = 0; i < items.size(); ++i) {
    std::string at = index_path(path + ".items", i);
    std::string item_path = string_of(items[i], "path");
    if (string_of(items[i], "key").empty()) out.push_back(api::field_required(at + ".key", ""));
    if (item_path.empty()) out.push_back(api::field_required(at + ".path", ""));
    if (!item_path.empty() && item_path.front() == '/') out.push_back(api::field_invalid(at + ".path", item_path, "must be a relative path"));
    check_no_backsteps(item_path, at + ".path", out);
    if (item_path.rfind("..", 0) == 0 && item_path.rfind("../", 0) != 0)
      out.push_back(api::field_invalid(at + ".path", item_path, "must not start with '..'"));
    check_mode(items[i], "mode", at + ".mode", out);
  }
}

void validate_source(const char* kind, const json& source, const std::string& at, api::FieldErrors& out) {
  std::string kind_s(kind);
  std::string path = at + "." + kind_s;
  if (kind_s == "secret") {
    if (string_of(source, "secretName").empty()) out.push_back(api::field_required(path + ".secretName", ""));
    check_mode(source, "defaultMode", path + ".defaultMode", out);
    validate_items(source, path, out);
  } else if (kind_s == "configMap") {
    if (string_of(source, "name").empty()) out.push_back(api::field_required(path + ".name", ""));
    check_mode(source, "defaultMode", path + ".defaultMode", out);
    validate_items(source, path, out);
  } else if (kind_s == "downwardAPI" || kind_s == "projected") {
    check_mode(source, "defaultMode", path + ".defaultMode", out);
  } else if (kind_s == "hostPath") {
    std::string host_path = string_of(source, "path");
    if (host_path.empty()) {
      out.push_back(api::field_required(path + ".path", ""));
    } else {
      check_no_backsteps(host_path, path + ".path", out);
    }
  } else if (kind_s == "persistentVolumeClaim") {
    if (string_of(source, "claimName").empty()) out.push_back(api::field_required(path + ".claimName", ""));
  }
}

}  // namespace

std::set<std::string> validate_volumes(const json& volumes, const std::string& path, api::FieldErrors& out) {
  std::set<std::string> names;
  if (!volumes.is_array()) return names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const json& v = volumes[i];
    std::string at = index_path(path, i);
    api::FieldErrors errs;
    int sources = 0;
    for (const char* kind : kSources) {
      const json* source = member(v, kind);
      if (!source) continue;
      if (sources++ > 0) {
        errs.push_back(api::field_forbidden(at + "." + kind, "may not specify more than 1 volume type"));
        continue;
      }
      validate_source(kind, *source, at, errs);
    }
    if (sources == 0) errs.push_back(api::field_required(at, "must specify a volume type"));
    std::string name = string_of(v, "name");
    if (name.empty()) {
      errs.push_back(api::field_required(at + ".name", ""));
    } else {
      add_invalid(errs, at + ".name", name, api::check_dns1123_label(name));
    }
    if (names.count(name)) errs.push_back(api::field_duplicate(at + ".name", name));
    // Only volumes without errors can be mounted, as upstream's map of valid volumes has it.
    if (errs.empty()) names.insert(name);
    append(out, std::move(errs));
  }
  return names;
}

}  // namespace mk::apiserver
