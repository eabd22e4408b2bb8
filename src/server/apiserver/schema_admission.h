#pragma once
// Admission driven by the type schema alone: simple defaults (default= in the descriptions),
// and a structural check of an object against its type (unknown fields, JSON types, enums,
// required fields), as kube-apiserver's decoding and OpenAPI validation do.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "api/status.h"

namespace mk::api::schema {
struct TypeDef;
}

namespace mk::apiserver {

// Fills absent fields that have a default= value, recursively through present objects and
// list items.
void apply_schema_defaults(const api::schema::TypeDef& type, nlohmann::json& obj);

struct SchemaCheck {
  std::vector<api::StatusCause> invalid;     // wrong types, enum values, missing required fields
  std::vector<std::string> unknown_fields;   // ".spec.foo" paths, as upstream reports them
};

// `root` is true for a top-level object, whose kind, apiVersion and metadata are always allowed.
SchemaCheck check_against_schema(const api::schema::TypeDef& type, const nlohmann::json& obj);

// Removes fields the schema does not know (fieldValidation=Ignore/Warn keep none of them).
void drop_unknown_fields(const api::schema::TypeDef& type, nlohmann::json& obj);

}  // namespace mk::apiserver
