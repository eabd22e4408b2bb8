// Secrets: type Opaque by default, stringData folded into data (as v1 conversion does),
// ValidateSecret (key names, 1 MiB, the keys each type needs) and ValidateSecretUpdate (type
// fixed, nothing changes once immutable).
#include <nlohmann/json.hpp>

#include <map>

#include "server/apiserver/strategies/config_data.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& secret, const AdmissionRequest&) {
  if (unset_string(secret, "type")) secret["type"] = "Opaque";
  // stringData is write-only: its values replace data's, base64-encoded, and it is not kept.
  if (const json* plain = member(secret, "stringData"); plain && plain->is_object()) {
    json& data = ensure_object(secret, "data");
    for (const auto& [key, value] : plain->items())
      if (value.is_string()) data[key] = encode_base64(value.get<std::string>());
  }
  secret.erase("stringData");
}

// Go's json.Unmarshal into a map: the first problem it reports, roughly as it words it.
std::optional<std::string> json_object_problem(const std::string& bytes) {
  size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "unexpected end of JSON input";
  json parsed = json::parse(bytes, nullptr, false);
  if (parsed.is_discarded()) {
    char c = bytes[first];
    bool starts_value = c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
    if (!starts_value) return std::string("invalid character '") + c + "' looking for beginning of value";
    // A mistyped literal is reported at its first wrong letter.
    for (std::string literal : {"true", "false", "null"}) {
      if (c != literal[0]) continue;
      for (size_t i = 1; i < literal.size(); ++i) {
        if (first + i >= bytes.size()) return "unexpected end of JSON input";
        if (bytes[first + i] != literal[i])
          return std::string("invalid character '") + bytes[first + i] + "' in literal " + literal + " (expecting '" + literal[i] + "')";
      }
    }
    return "unexpected end of JSON input";
  }
  if (!parsed.is_object() && !parsed.is_null()) {
    const char* type = parsed.is_array() ? "array" : parsed.is_string() ? "string" : parsed.is_boolean() ? "bool" : "number";
    return std::string("json: cannot unmarshal ") + type + " into Go value of type map[string]interface {}";
  }
  return std::nullopt;
}

void check_type_keys(const json& secret, const std::map<std::string, std::string>& data, api::FieldErrors& out) {
  std::string type = string_of(secret, "type");
  auto required = [&](const std::string& key) { out.push_back(api::field_required(key_path("data", key), "")); };
  if (type == "kubernetes.io/service-account-token") {
    if (string_of(object_of(object_of(secret, "metadata"), "annotations"), "kubernetes.io/service-account.name").empty())
      out.push_back(api::field_required("metadata.annotations[kubernetes.io/service-account.name]", ""));
  } else if (type == "kubernetes.io/dockercfg" || type == "kubernetes.io/dockerconfigjson") {
    std::string key = type == "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
    auto it = data.find(key);
    if (it == data.end()) {
      required(key);
    } else if (auto problem = json_object_problem(it->second)) {
      out.push_back(api::field_invalid(key_path("data", key), "<secret contents redacted>", *problem));
    }
  } else if (type == "kubernetes.io/basic-auth") {
    if (!data.count("username") && !data.count("password")) {
      required("username");
      required("password");
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    auto it = data.find("ssh-privatekey");
    if (it == data.end() || it->second.empty()) required("ssh-privatekey");
  } else if (type == "kubernetes.io/tls") {
    if (!data.count("tls.crt")) required("tls.crt");
    if (!data.count("tls.key")) required("tls.key");
  }
}

std::vector<api::StatusCause> validate(const json& secret, const AdmissionRequest& req) {
  api::FieldErrors errs;
  if (req.old) {
    std::string type = string_of(secret, "type");
    if (type != string_of(*req.old, "type")) errs.push_back(api::field_invalid("type", type, "field is immutable"));
    if (bool_of(*req.old, "immutable")) {
      const std::string why = "field is immutable when `immutable` is set";
      if (!bool_of(secret, "immutable")) errs.push_back(api::field_forbidden("immutable", why));
      if (object_of(secret, "data") != object_of(*req.old, "data")) errs.push_back(api::field_forbidden("data", why));
    }
  }
  std::map<std::string, std::string> data;
  int64_t total = 0;
  for (const auto& [key, value] : object_of(secret, "data").items()) {
    std::string field = key_path("data", key);
    add_invalid(errs, field, key, check_config_key(key));
    if (!value.is_string()) continue;
    auto decoded = decode_base64(value.get<std::string>());
    // On create the request is refused as undecodable before validation (see before_create).
    if (decoded.error_at && req.old)
      errs.push_back(api::field_invalid(field, "<secret contents redacted>",
                                        "illegal base64 data at input byte " + std::to_string(*decoded.error_at)));
    total += static_cast<int64_t>(decoded.bytes.size());
    data[key] = std::move(decoded.bytes);
  }
  if (total > kMaxDataSize) errs.push_back(api::field_too_long("data", kMaxDataSize));
  check_type_keys(secret, data, errs);
  return to_causes(errs);
}

}  // namespace

KindStrategy secret_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = validate;
  s.before_create = [](json& secret, const AdmissionRequest&) { return check_base64_values(secret, "data", "Secret"); };
  return s;
}

}  // namespace mk::apiserver
