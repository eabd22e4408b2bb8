// StorageClasses (storage.k8s.io/v1): ValidateStorageClass (a provisioner name, bounded
// parameters) and ValidateStorageClassUpdate (provisioner, parameters, reclaim policy and
// binding mode are fixed).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "api/validation.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxParameters = 512;
constexpr int64_t kMaxParameterSize = 256 * 1024;

void defaults(json& sc, const AdmissionRequest&) {
  if (unset_string(sc, "reclaimPolicy")) sc["reclaimPolicy"] = "Delete";
  if (unset_string(sc, "volumeBindingMode")) sc["volumeBindingMode"] = "Immediate";
}

std::vector<api::StatusCause> validate(const json& sc, const AdmissionRequest& req) {
  api::FieldErrors errs;
  if (req.old) {
    const json& old = *req.old;
    if (object_of(sc, "parameters") != object_of(old, "parameters"))
      errs.push_back(api::field_forbidden("parameters", "updates to parameters are forbidden."));
    if (string_of(sc, "provisioner") != string_of(old, "provisioner"))
      errs.push_back(api::field_forbidden("provisioner", "updates to provisioner are forbidden."));
    if (string_of(sc, "reclaimPolicy") != string_of(old, "reclaimPolicy"))
      errs.push_back(api::field_forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
    std::string mode = string_of(sc, "volumeBindingMode");
    if (mode != string_of(old, "volumeBindingMode")) errs.push_back(api::field_invalid("volumeBindingMode", mode, "field is immutable"));
  }
  std::string provisioner = string_of(sc, "provisioner");
  if (provisioner.empty()) {
    errs.push_back(api::field_required("provisioner", ""));
  } else {
    std::string lower = provisioner;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    add_invalid(errs, "provisioner", lower, api::check_qualified_name(lower));
  }
  const json& params = object_of(sc, "parameters");
  if (params.size() > kMaxParameters) {
    errs.push_back(api::field_too_long("parameters", static_cast<int64_t>(kMaxParameters)));
  } else {
    int64_t total = 0;
    for (const auto& [key, value] : params.items()) {
      if (key.empty()) errs.push_back(api::field_invalid("parameters", key, "field can not be empty."));
      total += static_cast<int64_t>(key.size()) + (value.is_string() ? static_cast<int64_t>(value.get_ref<const std::string&>().size()) : 0);
    }
    if (total > kMaxParameterSize) errs.push_back(api::field_too_long("parameters", kMaxParameterSize));
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy storageclass_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
