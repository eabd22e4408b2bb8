#include "server/apiserver/openapi/definitions.h"

#include <nlohmann/json.hpp>

#include <cctype>

namespace mk::apiserver::openapi {

using api::schema::Base;
using api::schema::Container;
using api::schema::Field;
using api::schema::ListType;
using api::schema::TypeDef;
using nlohmann::json;

namespace {

const char* const kTime = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
const char* const kMicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
const char* const kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const char* const kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const char* const kRawExtension = "io.k8s.apimachinery.pkg.runtime.RawExtension";
const char* const kPatch = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

bool all_digits(const std::string& s) {
  size_t i = s.size() > 1 && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// Defaults are written bare in the schema files; OpenAPI wants them with their JSON type.
json typed_default(const Field& f) {
  const std::string& v = *f.default_value;
  switch (f.type.base) {
    case Base::int32:
    case Base::int64:
      if (all_digits(v)) return std::stoll(v);
      break;
    case Base::number:
      try {
        return std::stod(v);
      } catch (...) {
      }
      break;
    case Base::boolean:
      if (v == "true" || v == "false") return v == "true";
      break;
    case Base::int_or_string:
      if (all_digits(v)) return std::stoll(v);
      break;
    default:
      break;
  }
  return v;
}

// The schemas of the value types the type schema treats as scalars but upstream publishes as
// named definitions, so references to them read the same as upstream's.
json value_definition(const std::string& name, Dialect d) {
  if (name == kTime)
    return {{"type", "string"}, {"format", "date-time"},
            {"description", "A point in time, written as an RFC 3339 string with second precision."}};
  if (name == kMicroTime)
    return {{"type", "string"}, {"format", "date-time"},
            {"description", "A point in time, written as an RFC 3339 string with microsecond precision."}};
  if (name == kQuantity) {
    json s = {{"description",
               "A fixed-point amount with an optional unit suffix, such as \"100m\" CPU or \"1Gi\" memory."},
              {"x-kubernetes-int-or-string", true}};
    if (d == Dialect::openapi3) {
      s["oneOf"] = json::array({{{"type", "string"}}, {{"type", "number"}}});
    } else {
      s["type"] = "string";
    }
    return s;
  }
  if (name == kIntOrString) {
    json s = {{"description", "A value that is either a whole number or a string, such as a port number or name."},
              {"format", "int-or-string"},
              {"x-kubernetes-int-or-string", true}};
    if (d == Dialect::openapi3) {
      s["oneOf"] = json::array({{{"type", "integer"}}, {{"type", "string"}}});
    } else {
      s["type"] = "string";
    }
    return s;
  }
  if (name == kRawExtension)
    return {{"type", "object"},
            {"description", "An embedded object in its JSON form, kept as it was written."},
            {"x-kubernetes-preserve-unknown-fields", true}};
  return {{"type", "object"},
          {"description", "The body of a PATCH request, in the format its Content-Type names."}};
}

}  // namespace

json api_version_property() {
  return {{"type", "string"},
          {"description", "API group and version of the object's schema, such as v1 or apps/v1."}};
}

json kind_property() {
  return {{"type", "string"}, {"description", "Kind of object the body holds, in CamelCase, such as Pod."}};
}

json gvk_json(const Gvk& gvk) { return {{"group", gvk.group}, {"version", gvk.version}, {"kind", gvk.kind}}; }

Definitions::Definitions(const TypeCatalog& catalog, Dialect dialect)
    : catalog_(catalog), dialect_(dialect), defs_(std::make_unique<json>(json::object())) {}

Definitions::~Definitions() = default;

json Definitions::with_siblings(json schema, const json& siblings, Dialect d) {
  if (siblings.empty()) return schema;
  if (d == Dialect::openapi3 && schema.contains("$ref")) schema = {{"allOf", json::array({schema})}};
  schema.update(siblings);
  return schema;
}

json Definitions::ref_to(const std::string& name) const { return {{"$ref", ref_prefix(dialect_) + name}}; }

json Definitions::ref(const TypeDef& t) {
  const std::string& name = catalog_.definition_name(t);
  if (!defs_->contains(name)) {
    // A placeholder first, so a type that refers back to itself ends the recursion.
    (*defs_)[name] = json::object();
    json s = object_schema(t);
    (*defs_)[name] = std::move(s);
  }
  return ref_to(name);
}

json Definitions::ref_list(const api::KindInfo& k) {
  std::string name = catalog_.list_definition_name(k);
  if (!defs_->contains(name) && k.type) {
    json props = {{"apiVersion", api_version_property()}, {"kind", kind_property()}};
    props["items"] = {{"type", "array"},
                      {"items", ref(*k.type)},
                      {"description", "The " + k.plural + " in the list."}};
    if (const TypeDef* list_meta = catalog_.meta_type("ListMeta"))
      props["metadata"] = with_siblings(ref(*list_meta), {{"description", "Standard list metadata."}}, dialect_);
    (*defs_)[name] = {{"type", "object"},
                      {"description", "A list of " + k.kind + " objects."},
                      {"properties", std::move(props)},
                      {"required", json::array({"items"})},
                      {"x-kubernetes-group-version-kind",
                       json::array({gvk_json({k.group, k.version, k.list_kind()})})}};
  }
  return ref_to(name);
}

json Definitions::ref_patch() {
  if (!defs_->contains(kPatch)) (*defs_)[kPatch] = value_definition(kPatch, dialect_);
  return ref_to(kPatch);
}

json Definitions::ref_meta(std::string_view name) {
  if (const TypeDef* t = catalog_.meta_type(name)) return ref(*t);
  return {{"type", "object"}};
}

json Definitions::value_type(Base base) {
  const char* name = nullptr;
  switch (base) {
    case Base::time: name = kTime; break;
    case Base::micro_time: name = kMicroTime; break;
    case Base::quantity: name = kQuantity; break;
    case Base::int_or_string: name = kIntOrString; break;
    default: name = kRawExtension; break;
  }
  if (!defs_->contains(name)) (*defs_)[name] = value_definition(name, dialect_);
  return ref_to(name);
}

json Definitions::object_schema(const TypeDef& t) {
  json props = json::object();
  json required = json::array();
  for (const Field* f : t.json_fields()) {
    props[f->name] = field_schema(*f);
    if (f->required) required.push_back(f->name);
  }
  if (catalog_.has_type_meta(t)) {
    if (!props.contains("apiVersion")) props["apiVersion"] = api_version_property();
    if (!props.contains("kind")) props["kind"] = kind_property();
  }
  json s = {{"type", "object"}};
  if (!t.description.empty()) s["description"] = t.description;
  if (!props.empty()) s["properties"] = std::move(props);
  if (!required.empty()) s["required"] = std::move(required);
  if (const Gvk* gvk = catalog_.gvk(t)) s["x-kubernetes-group-version-kind"] = json::array({gvk_json(*gvk)});
  return s;
}

json Definitions::element_schema(const Field& f) {
  json e;
  switch (f.type.base) {
    case Base::string: e = {{"type", "string"}}; break;
    case Base::int32: e = {{"type", "integer"}, {"format", "int32"}}; break;
    case Base::int64: e = {{"type", "integer"}, {"format", "int64"}}; break;
    case Base::boolean: e = {{"type", "boolean"}}; break;
    case Base::number: e = {{"type", "number"}, {"format", "double"}}; break;
    case Base::bytes: e = {{"type", "string"}, {"format", "byte"}}; break;
    case Base::duration: e = {{"type", "string"}}; break;
    // Free-form fields hold JSON objects in every use (field sets, embedded schemas, extra
    // user attributes); nothing below them is checked.
    case Base::any: e = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}; break;
    case Base::message: e = f.type.message ? ref(*f.type.message) : json{{"type", "object"}}; break;
    default: e = value_type(f.type.base); break;
  }
  if (!f.enum_values.empty() && f.type.base == Base::string) e["enum"] = f.enum_values;
  return e;
}

json Definitions::field_schema(const Field& f) {
  json s;
  if (f.type.container == Container::list) {
    s = {{"type", "array"}, {"items", element_schema(f)}};
  } else if (f.type.container == Container::map) {
    s = {{"type", "object"}, {"additionalProperties", element_schema(f)}};
  } else {
    s = element_schema(f);
  }
  json sib = json::object();
  if (!f.description.empty()) sib["description"] = f.description;
  if (f.default_value) sib["default"] = typed_default(f);
  if (f.type.container == Container::list) {
    switch (f.list_type) {
      case ListType::atomic: sib["x-kubernetes-list-type"] = "atomic"; break;
      case ListType::set: sib["x-kubernetes-list-type"] = "set"; break;
      case ListType::map:
        sib["x-kubernetes-list-type"] = "map";
        sib["x-kubernetes-list-map-keys"] = f.list_keys;
        break;
    }
  }
  std::string strategy;
  if (!f.merge_key.empty()) {
    sib["x-kubernetes-patch-merge-key"] = f.merge_key;
    strategy = "merge";
  } else if (f.type.container == Container::list && f.list_type == ListType::set) {
    strategy = "merge";
  }
  if (f.retain_keys) strategy += strategy.empty() ? "retainKeys" : ",retainKeys";
  if (!strategy.empty()) sib["x-kubernetes-patch-strategy"] = strategy;
  return with_siblings(std::move(s), sib, dialect_);
}

}  // namespace mk::apiserver::openapi
