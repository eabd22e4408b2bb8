#include "server/apiserver/openapi/type_catalog.h"

#include <cctype>
#include <set>

namespace mk::apiserver::openapi {

using api::schema::Container;
using api::schema::Schema;
using api::schema::TypeDef;

namespace {

std::string first_label(std::string_view group) { return std::string(group.substr(0, group.find('.'))); }

// The schema prefixes a type with its group ("DiscoveryEndpointPort") when another group already
// has a type of that name; upstream publishes it under the plain name in its own package.
std::string kind_name(const TypeDef& t, const Schema& schema) {
  std::string prefix = first_label(t.group);
  if (prefix.empty() || t.group == "meta") return t.name;
  prefix[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(prefix[0])));
  if (t.name.size() <= prefix.size() || t.name.compare(0, prefix.size(), prefix) != 0 ||
      !std::isupper(static_cast<unsigned char>(t.name[prefix.size()])))
    return t.name;
  std::string rest = t.name.substr(prefix.size());
  const TypeDef* other = schema.find(rest);
  return other && other->group != t.group ? rest : t.name;
}

// A type is a kind of its own when it has object metadata and no other type embeds it; that
// tells Pod from PodTemplateSpec without a list kept by hand.
std::set<const TypeDef*> embedded_types(const Schema& schema) {
  std::set<const TypeDef*> out;
  for (const auto& [name, t] : schema.types())
    for (const auto& f : t->fields)
      if (f.type.message) out.insert(f.type.message);
  return out;
}

bool has_object_meta(const TypeDef& t) {
  const auto* f = t.json_field("metadata");
  return f && f->type.container == Container::none && f->type.message &&
         f->type.message->name == "ObjectMeta";
}

std::string index_key(std::string_view group, std::string_view version, std::string_view kind) {
  std::string key(group);
  key.append("/").append(version).append("/").append(kind);
  return key;
}

}  // namespace

std::string package_of(std::string_view group, std::string_view version) {
  std::string v(version);
  if (group.empty()) return "io.k8s.api.core." + v;
  if (group == "meta") return "io.k8s.apimachinery.pkg.apis.meta." + v;
  if (group == "apiextensions.k8s.io") return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + v;
  return "io.k8s.api." + first_label(group) + "." + v;
}

TypeCatalog::TypeCatalog(const Schema& schema, const api::KindRegistry& kinds)
    : schema_(schema), kinds_(kinds) {
  auto embedded = embedded_types(schema);
  for (const auto& [name, t] : schema.types()) {
    Entry e;
    e.kind_name = kind_name(*t, schema);
    e.definition_name = package_of(t->group, t->version) + "." + e.kind_name;
    if (has_object_meta(*t) && !embedded.count(t.get())) e.gvk = Gvk{t->group, t->version, e.kind_name};
    entries_.emplace(t.get(), std::move(e));
  }
  // Served kinds and the kinds their subresources speak are kinds whatever their shape.
  auto mark = [&](const TypeDef* t, const std::string& group, const std::string& version,
                  const std::string& kind) {
    if (!t) return;
    auto& e = entries_.at(t);
    if (!e.gvk) e.gvk = Gvk{group, version, kind};
  };
  for (const auto& k : kinds.all()) {
    mark(k.type, k.group, k.version, k.kind);
    for (const auto& sub : k.subresources) {
      if (sub.kind.empty()) continue;
      const std::string& group = sub.version.empty() ? k.group : sub.group;
      const std::string& version = sub.version.empty() ? k.version : sub.version;
      mark(find_kind(group, version, sub.kind), group, version, sub.kind);
    }
  }
}

const std::string& TypeCatalog::definition_name(const TypeDef& t) const {
  return entries_.at(&t).definition_name;
}

std::string TypeCatalog::list_definition_name(const api::KindInfo& k) const {
  return package_of(k.group, k.version) + "." + k.list_kind();
}

const Gvk* TypeCatalog::gvk(const TypeDef& t) const {
  const auto& e = entries_.at(&t);
  return e.gvk ? &*e.gvk : nullptr;
}

bool TypeCatalog::has_type_meta(const TypeDef& t) const {
  if (gvk(t)) return true;
  return t.group == "meta" && (t.name == "Status" || t.name == "DeleteOptions");
}

const TypeDef* TypeCatalog::find_kind(std::string_view group, std::string_view version,
                                      std::string_view kind) const {
  std::string key = index_key(group, version, kind);
  for (const auto& [t, e] : entries_)
    if (index_key(t->group, t->version, e.kind_name) == key) return t;
  return nullptr;
}

const TypeDef* TypeCatalog::meta_type(std::string_view name) const {
  const TypeDef* t = schema_.find(name);
  return t && t->group == "meta" ? t : nullptr;
}

}  // namespace mk::apiserver::openapi
