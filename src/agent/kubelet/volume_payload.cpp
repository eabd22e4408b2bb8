#include "agent/kubelet/volume_payload.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/kubelet/base64.h"
#include "api/json_path.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;

constexpr int kDefaultMode = 0644;

std::string text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

int mode_of(const json& j, const char* key, int fallback) {
  return j.is_object() && j.contains(key) && j[key].is_number_integer() ? j[key].get<int>() : fallback;
}

// Keys to their bytes: a ConfigMap's data and binaryData, or a Secret's data.
std::map<std::string, std::string> object_files(const json& obj, bool secret) {
  std::map<std::string, std::string> out;
  for (const char* field : {"data", "binaryData"}) {
    bool encoded = secret || std::string(field) == "binaryData";
    if (secret && std::string(field) == "binaryData") continue;
    if (!obj.contains(field) || !obj[field].is_object()) continue;
    for (const auto& [k, v] : obj[field].items()) {
      if (!v.is_string()) continue;
      if (!encoded) out[k] = v.get<std::string>();
      else if (auto d = base64_decode(v.get<std::string>())) out[k] = *d;
    }
  }
  return out;
}

// MakePayload of the configmap and secret plugins.
Result<Payload> make_payload(const json& items, const std::map<std::string, std::string>& files, int default_mode,
                             bool optional, bool secret) {
  Payload out;
  if (!items.is_array() || items.empty()) {
    for (const auto& [k, v] : files) out[k] = {v, default_mode};
    return out;
  }
  for (const auto& item : items) {
    std::string key = text(item, "key");
    auto it = files.find(key);
    if (it == files.end()) {
      if (optional) continue;
      return make_error(Errc::not_found, secret ? "references non-existent secret key: " + key
                                                : "configmap references non-existent config key: " + key);
    }
    out[text(item, "path")] = {it->second, mode_of(item, "mode", default_mode)};
  }
  return out;
}

Result<Payload> object_payload(const json& src, bool secret, int default_mode, VolumeInputs& in) {
  std::string ns = api::string_at(in.pod, "metadata.namespace", "default");
  std::string name = text(src, secret ? "secretName" : "name");
  if (secret && name.empty()) name = text(src, "name");  // projected secrets use "name"
  bool optional = src.value("optional", false);
  auto obj = secret ? in.source.secret(ns, name) : in.source.config_map(ns, name);
  if (!obj) return obj.error();
  if (!*obj) {
    if (!optional) return secret ? secret_not_found(name) : config_map_not_found(name);
    return Payload{};
  }
  return make_payload(src.value("items", json::array()), object_files(**obj, secret), default_mode, optional, secret);
}

const json* find_container(const json& pod, const std::string& name) {
  for (const char* list : {"containers", "initContainers"}) {
    const json* cs = api::find_path(pod, std::string("spec.") + list);
    if (!cs || !cs->is_array()) continue;
    for (const auto& c : *cs)
      if (text(c, "name") == name) return &c;
  }
  return nullptr;
}

// CollectData of the downwardAPI plugin.
Result<Payload> downward_payload(const json& items, int default_mode, VolumeInputs& in) {
  Payload out;
  std::vector<std::string> errors;
  std::optional<json> allocatable;
  for (const auto& item : items.is_array() ? items : json::array()) {
    FileProjection file{"", mode_of(item, "mode", default_mode)};
    if (item.contains("fieldRef")) {
      std::string path = text(item["fieldRef"], "fieldPath");
      // Volumes carry only the object's metadata; the runtime facts are for env.
      auto v = path.rfind("metadata.", 0) == 0 ? pod_field_value(in.pod, path, {})
                                               : Result<std::string>(make_error(Errc::invalid_argument,
                                                                                "unsupported fieldPath: " + path));
      if (!v) errors.push_back(v.error().message);
      else file.data = *v;
    } else if (item.contains("resourceFieldRef")) {
      const json& ref = item["resourceFieldRef"];
      const json* c = find_container(in.pod, text(ref, "containerName"));
      if (!c) {
        errors.push_back("container " + text(ref, "containerName") + " not found");
      } else {
        if (!allocatable) {
          auto node = in.source.node(api::string_at(in.pod, "spec.nodeName"));
          const json* a = node ? api::find_path(*node, "status.allocatable") : nullptr;
          allocatable = a ? *a : json::object();
        }
        std::string divisor = ref.contains("divisor") ? (ref["divisor"].is_string() ? ref["divisor"].get<std::string>()
                                                                                    : ref["divisor"].dump())
                                                      : "";
        auto v = container_resource_value(*c, text(ref, "resource"), divisor, *allocatable);
        if (!v) errors.push_back(v.error().message);
        else file.data = *v;
      }
    }
    out[std::filesystem::path(text(item, "path")).lexically_normal().string()] = file;
  }
  if (errors.size() == 1) return make_error(Errc::invalid_argument, errors[0]);
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : ", ") + e;
    return make_error(Errc::invalid_argument, "[" + all + "]");
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<Payload> projected_payload(const json& src, VolumeInputs& in) {
  int default_mode = mode_of(src, "defaultMode", kDefaultMode);
  Payload out;
  std::vector<std::string> errors;
  for (const auto& source : src.value("sources", json::array())) {
    Result<Payload> part = Payload{};
    if (source.contains("configMap")) {
      part = object_payload(source["configMap"], false, default_mode, in);
    } else if (source.contains("secret")) {
      part = object_payload(source["secret"], true, default_mode, in);
    } else if (source.contains("downwardAPI")) {
      part = downward_payload(source["downwardAPI"].value("items", json::array()), default_mode, in);
    } else if (source.contains("serviceAccountToken")) {
      const json& t = source["serviceAccountToken"];
      std::string path = text(t, "path");
      std::string current = in.current_dir.empty() ? "" : read_file(in.current_dir + "/" + path);
      if (!current.empty() && token_fresh(current, in.now)) {
        part = Payload{{path, {current, default_mode}}};
      } else {
        auto token = in.source.token(api::string_at(in.pod, "metadata.namespace", "default"),
                                     api::string_at(in.pod, "spec.serviceAccountName", "default"), text(t, "audience"),
                                     t.value("expirationSeconds", int64_t{3600}), api::string_at(in.pod, "metadata.name"),
                                     api::string_at(in.pod, "metadata.uid"));
        if (!token) part = token.error();
        else part = Payload{{path, {token->token, default_mode}}};
      }
    }
    if (!part) {
      errors.push_back(part.error().message);
      continue;
    }
    for (auto& [k, v] : *part) out[k] = std::move(v);
  }
  if (errors.size() == 1) return make_error(Errc::unavailable, errors[0]);
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : ", ") + e;
    return make_error(Errc::unavailable, "[" + all + "]");
  }
  return out;
}

}  // namespace

std::string volume_plugin_dir(const json& volume) {
  if (volume.contains("configMap")) return "kubernetes.io~configmap";
  if (volume.contains("secret")) return "kubernetes.io~secret";
  if (volume.contains("downwardAPI")) return "kubernetes.io~downward-api";
  if (volume.contains("projected")) return "kubernetes.io~projected";
  return "";
}

Result<Payload> volume_payload(const json& volume, VolumeInputs& in) {
  if (volume.contains("configMap")) {
    const json& src = volume["configMap"];
    return object_payload(src, false, mode_of(src, "defaultMode", kDefaultMode), in);
  }
  if (volume.contains("secret")) {
    const json& src = volume["secret"];
    return object_payload(src, true, mode_of(src, "defaultMode", kDefaultMode), in);
  }
  if (volume.contains("downwardAPI")) {
    const json& src = volume["downwardAPI"];
    return downward_payload(src.value("items", json::array()), mode_of(src, "defaultMode", kDefaultMode), in);
  }
  if (volume.contains("projected")) return projected_payload(volume["projected"], in);
  return make_error(Errc::unsupported, "volume \"" + text(volume, "name") + "\": not a configMap, secret, downwardAPI or projected volume");
}

bool token_fresh(const std::string& jwt, std::chrono::system_clock::time_point now) {
  size_t first = jwt.find('.');
  size_t second = first == std::string::npos ? first : jwt.find('.', first + 1);
  if (second == std::string::npos) return false;
  std::string body = jwt.substr(first + 1, second - first - 1);
  for (char& c : body) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (body.size() % 4) body += '=';
  auto decoded = base64_decode(body);
  if (!decoded) return false;
  json claims = json::parse(*decoded, nullptr, false);
  if (!claims.is_object() || !claims.contains("iat") || !claims.contains("exp")) return false;
  if (!claims["iat"].is_number() || !claims["exp"].is_number()) return false;
  int64_t iat = claims["iat"].get<int64_t>();
  int64_t exp = claims["exp"].get<int64_t>();
  int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  int64_t refresh_at = iat + (exp - iat) * 8 / 10;
  return t < refresh_at && t < iat + 24 * 3600;
}

}  // namespace mk::agent::kubelet
