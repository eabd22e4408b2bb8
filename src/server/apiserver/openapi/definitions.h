#pragma once
// The named schemas of one document ("definitions" in Swagger 2.0, "components.schemas" in
// OpenAPI 3), built from the type schema on demand: asking for a reference to a type adds its
// definition and, transitively, those of every type it mentions, so each document carries
// exactly what its references need.

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "server/apiserver/openapi/dialect.h"
#include "server/apiserver/openapi/type_catalog.h"

namespace mk::apiserver::openapi {

class Definitions {
 public:
  Definitions(const TypeCatalog& catalog, Dialect dialect);
  ~Definitions();

  // {"$ref": ...} to a schema type's definition.
  nlohmann::json ref(const api::schema::TypeDef& t);
  // {"$ref": ...} to the list kind of a served kind (PodList).
  nlohmann::json ref_list(const api::KindInfo& k);
  // {"$ref": ...} to the free-form body of PATCH requests.
  nlohmann::json ref_patch();
  // {"$ref": ...} to a meta/v1 type such as Status or DeleteOptions.
  nlohmann::json ref_meta(std::string_view name);

  // The collected definitions, keyed by name.
  const nlohmann::json& all() const { return *defs_; }

  // A reference with sibling keywords: OpenAPI 3.0 ignores siblings of "$ref", so there the
  // reference moves into a one-element allOf, as upstream documents do.
  static nlohmann::json with_siblings(nlohmann::json schema, const nlohmann::json& siblings, Dialect d);

 private:
  nlohmann::json ref_to(const std::string& name) const;
  nlohmann::json object_schema(const api::schema::TypeDef& t);
  nlohmann::json field_schema(const api::schema::Field& f);
  nlohmann::json element_schema(const api::schema::Field& f);
  nlohmann::json value_type(api::schema::Base base);

  const TypeCatalog& catalog_;
  Dialect dialect_;
  std::unique_ptr<nlohmann::json> defs_;
};

// Descriptions of the two type-meta properties every standalone body has.
nlohmann::json api_version_property();
nlohmann::json kind_property();
nlohmann::json gvk_json(const Gvk& gvk);

}  // namespace mk::apiserver::openapi
