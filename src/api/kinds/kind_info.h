#pragma once
// One description per kind: the API facts the server needs beyond the type schema (names,
// scope, subresources, printer columns, field selectors, status and generation rules). With the
// type schema (src/api/schema) this is the single source for discovery, the generic registry,
// OpenAPI and Table output; adding a kind is adding an entry in kinds.cpp.

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mk::api::schema {
struct TypeDef;
}

namespace mk::api {

// One Table column. `cell` computes the value from the full object; priority 1 columns are
// shown by kubectl only with -o wide.
struct PrinterColumn {
  std::string name;
  std::string type;    // string, integer, number, boolean, date
  std::string format;  // "name" for the name column
  int priority = 0;
  std::string description;
  std::function<nlohmann::json(const nlohmann::json& object)> cell;
};

struct Subresource {
  std::string name;                      // "status", "scale", "log", ...
  std::string group, version, kind;      // the kind it speaks, when not the parent's
  std::vector<std::string> verbs;        // as discovery lists them
};

struct KindInfo {
  std::string group;  // "" for core
  std::string version;
  std::string kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> verbs;  // of the main resource
  std::vector<Subresource> subresources;
  std::vector<PrinterColumn> columns;
  // Field selector labels accepted besides metadata.name and metadata.namespace, mapped to a
  // dotted path in the object (usually the same text).
  std::vector<std::pair<std::string, std::string>> field_selectors;
  bool has_status = false;          // a status subresource: main writes keep the old status
  bool spec_generation = false;     // metadata.generation counts spec changes
  bool annotations_bump_generation = false;  // deployments also count annotation changes
  bool status_keeps_annotations = false;     // status writes may change annotations (apps kinds)
  const schema::TypeDef* type = nullptr;    // the root type in the schema

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
  // "deployments.apps" or "pods": how errors name the resource.
  std::string qualified_resource() const { return group.empty() ? plural : plural + "." + group; }
  const Subresource* subresource(std::string_view name) const;
  bool has_verb(std::string_view verb) const;
};

class KindRegistry {
 public:
  // The kinds this server serves, bound to Schema::builtin().
  static const KindRegistry& builtin();

  const KindInfo* by_resource(std::string_view group, std::string_view version,
                              std::string_view plural) const;
  const KindInfo* by_kind(std::string_view group, std::string_view version, std::string_view kind) const;
  const std::vector<KindInfo>& all() const { return kinds_; }

  // Group-versions in the order discovery lists them (core first).
  std::vector<std::pair<std::string, std::string>> group_versions() const;

  explicit KindRegistry(std::vector<KindInfo> kinds) : kinds_(std::move(kinds)) {}

 private:
  std::vector<KindInfo> kinds_;
};

// Columns every kind without its own printer gets: Name, Created At.
std::vector<PrinterColumn> default_columns();

}  // namespace mk::api
