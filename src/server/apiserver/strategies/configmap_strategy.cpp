// ConfigMaps: ValidateConfigMap (key names, no key in both data and binaryData, 1 MiB in all)
// and ValidateConfigMapUpdate (nothing changes once immutable).
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/config_data.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

const json& or_null(const json& obj, const char* key) {
  static const json kNull;
  const json* v = member(obj, key);
  return v ? *v : kNull;
}

std::vector<api::StatusCause> validate(const json& cm, const AdmissionRequest& req) {
  api::FieldErrors errs;
  if (req.old && bool_of(*req.old, "immutable")) {
    const std::string why = "field is immutable when `immutable` is set";
    if (!bool_of(cm, "immutable")) errs.push_back(api::field_forbidden("immutable", why));
    if (or_null(cm, "data") != or_null(*req.old, "data")) errs.push_back(api::field_forbidden("data", why));
    if (or_null(cm, "binaryData") != or_null(*req.old, "binaryData")) errs.push_back(api::field_forbidden("binaryData", why));
  }
  int64_t total = 0;
  const json& data = object_of(cm, "data");
  const json& binary = object_of(cm, "binaryData");
  for (const auto& [key, value] : data.items()) {
    std::string field = key_path("data", key);
    add_invalid(errs, field, key, check_config_key(key));
    if (binary.contains(key)) errs.push_back(api::field_invalid(field, key, "duplicate of key present in binaryData"));
    if (value.is_string()) total += static_cast<int64_t>(value.get_ref<const std::string&>().size());
  }
  for (const auto& [key, value] : binary.items()) {
    std::string field = key_path("binaryData", key);
    add_invalid(errs, field, key, check_config_key(key));
    if (!value.is_string()) continue;
    auto decoded = decode_base64(value.get<std::string>());
    // On create the request is refused as undecodable before validation (see before_create).
    if (decoded.error_at && req.old)
      errs.push_back(api::field_invalid(field, "<binary data redacted>",
                                        "illegal base64 data at input byte " + std::to_string(*decoded.error_at)));
    total += static_cast<int64_t>(decoded.bytes.size());
  }
  // Upstream reports the size against the whole object, with an empty field path.
  if (total > kMaxDataSize) errs.push_back(api::field_too_long("", kMaxDataSize));
  return to_causes(errs);
}

}  // namespace

KindStrategy configmap_strategy() {
  KindStrategy s;
  s.validate = validate;
  s.before_create = [](json& cm, const AdmissionRequest&) { return check_base64_values(cm, "binaryData", "ConfigMap"); };
  return s;
}

}  // namespace mk::apiserver
