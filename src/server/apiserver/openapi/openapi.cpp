#include "server/apiserver/openapi/openapi.h"

#include <nlohmann/json.hpp>

#include <optional>

#include "server/apiserver/openapi/definitions.h"
#include "server/apiserver/openapi/digest.h"
#include "server/apiserver/openapi/operations.h"
#include "server/apiserver/openapi/type_catalog.h"
#include "version.h"

namespace mk::apiserver::openapi {

using nlohmann::json;

namespace {

json info() { return {{"title", "Kubernetes"}, {"version", kKubernetesVersion}}; }

// One serialization for serving and hashing, so the advertised digest names the served bytes.
std::string serialize(const json& doc) { return doc.dump(-1, ' ', false, json::error_handler_t::replace); }

std::optional<json> build_v3(const TypeCatalog& catalog, std::string_view group, std::string_view version) {
  Definitions defs(catalog, Dialect::openapi3);
  json paths = json::object();
  bool found = false;
  for (const auto& k : catalog.kinds().all()) {
    if (k.group != group || k.version != version) continue;
    found = true;
    add_kind_paths(paths, k, catalog, defs, Dialect::openapi3);
  }
  if (!found) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", info()},
              {"paths", std::move(paths)},
              {"components", {{"schemas", defs.all()}}}};
}

json root_entry(const std::string& key, const std::string& hash) {
  return {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash}};
}

}  // namespace

std::string v3_key(std::string_view group, std::string_view version) {
  if (group.empty()) return "api/" + std::string(version);
  return "apis/" + std::string(group) + "/" + std::string(version);
}

Result<json> v3_document(const api::schema::Schema& schema, const api::KindRegistry& kinds,
                         std::string_view group, std::string_view version) {
  TypeCatalog catalog(schema, kinds);
  auto doc = build_v3(catalog, group, version);
  if (!doc) {
    return make_error(Errc::not_found, "openapi v3 document " + v3_key(group, version) + ": no such group-version");
  }
  return std::move(*doc);
}

json v3_root(const api::schema::Schema& schema, const api::KindRegistry& kinds) {
  TypeCatalog catalog(schema, kinds);
  json paths = json::object();
  for (const auto& [group, version] : kinds.group_versions()) {
    if (auto doc = build_v3(catalog, group, version)) {
      std::string key = v3_key(group, version);
      paths[key] = root_entry(key, document_hash(*doc));
    }
  }
  return {{"paths", std::move(paths)}};
}

json v2_document(const api::schema::Schema& schema, const api::KindRegistry& kinds) {
  TypeCatalog catalog(schema, kinds);
  Definitions defs(catalog, Dialect::swagger2);
  json paths = json::object();
  for (const auto& k : kinds.all()) add_kind_paths(paths, k, catalog, defs, Dialect::swagger2);
  // Every type, served or not, so tools reading only this document can describe all of them.
  for (const auto& [name, t] : schema.types()) defs.ref(*t);
  return {{"swagger", "2.0"}, {"info", info()}, {"paths", std::move(paths)}, {"definitions", defs.all()}};
}

std::string document_hash(const json& document) { return sha512_hex(serialize(document)); }

const Documents::V3* Documents::find_v3(std::string_view key) const {
  auto it = v3.find(key);
  return it == v3.end() ? nullptr : &it->second;
}

Documents build_documents(const api::schema::Schema& schema, const api::KindRegistry& kinds) {
  TypeCatalog catalog(schema, kinds);
  Documents out;
  json root_paths = json::object();
  for (const auto& [group, version] : kinds.group_versions()) {
    auto doc = build_v3(catalog, group, version);
    if (!doc) continue;
    std::string key = v3_key(group, version);
    Documents::V3 entry;
    entry.body = serialize(*doc);
    entry.hash = sha512_hex(entry.body);
    root_paths[key] = root_entry(key, entry.hash);
    out.v3.emplace(key, std::move(entry));
  }
  out.v3_root = serialize(json{{"paths", std::move(root_paths)}});
  out.v2 = serialize(v2_document(schema, kinds));
  return out;
}

const Documents& builtin_documents() {
  static const Documents documents =
      build_documents(api::schema::Schema::builtin(), api::KindRegistry::builtin());
  return documents;
}

}  // namespace mk::apiserver::openapi
