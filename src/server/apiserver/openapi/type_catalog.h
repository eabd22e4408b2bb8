#pragma once
// Facts about schema types that OpenAPI needs and the schema does not state directly: the name
// upstream Kubernetes publishes each type under (clients and tools key on it), and which types
// are kinds, i.e. travel on their own with apiVersion and kind.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/kinds/kind_info.h"
#include "api/schema/schema.h"

namespace mk::apiserver::openapi {

struct Gvk {
  std::string group;  // "" for core
  std::string version;
  std::string kind;
};

class TypeCatalog {
 public:
  TypeCatalog(const api::schema::Schema& schema, const api::KindRegistry& kinds);

  const api::schema::Schema& schema() const { return schema_; }
  const api::KindRegistry& kinds() const { return kinds_; }

  // "io.k8s.api.core.v1.Pod", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", ...
  const std::string& definition_name(const api::schema::TypeDef& t) const;
  // "io.k8s.api.apps.v1.DeploymentList" for a served kind.
  std::string list_definition_name(const api::KindInfo& k) const;
  // The kind a type is sent as, when it is sent on its own; nullptr for embedded types.
  const Gvk* gvk(const api::schema::TypeDef& t) const;
  // Whether bodies of this type carry apiVersion and kind (kinds, Status, DeleteOptions).
  bool has_type_meta(const api::schema::TypeDef& t) const;
  // The type of a kind by its group, version and kind name; nullptr when the schema lacks it.
  const api::schema::TypeDef* find_kind(std::string_view group, std::string_view version,
                                        std::string_view kind) const;
  // A meta/v1 type by name (ObjectMeta, ListMeta, Status, DeleteOptions).
  const api::schema::TypeDef* meta_type(std::string_view name) const;

 private:
  struct Entry {
    std::string definition_name;
    std::string kind_name;  // the name without a disambiguating group prefix
    std::optional<Gvk> gvk;
  };
  const api::schema::Schema& schema_;
  const api::KindRegistry& kinds_;
  std::map<const api::schema::TypeDef*, Entry> entries_;
};

// Java-style package upstream publishes a group-version's types under:
// "io.k8s.api.apps.v1", "io.k8s.apimachinery.pkg.apis.meta.v1", ...
std::string package_of(std::string_view group, std::string_view version);

}  // namespace mk::apiserver::openapi
