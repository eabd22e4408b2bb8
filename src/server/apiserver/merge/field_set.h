#pragma once
// A set of field paths, kept as a tree whose edges are path elements in the managedFields
// `fieldsV1` spelling: `f:<field>`, `k:<json object of key fields>` for an item of a keyed list,
// `v:<json value>` for a set item, `i:<index>`. Server-side apply reasons about ownership with
// unions, differences and intersections of such sets.

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::apiserver::merge {

using FieldPath = std::vector<std::string>;

struct FieldSet {
  bool member = false;                       // the path ending at this node is in the set
  std::map<std::string, FieldSet> children;  // by path element

  // True when no path at or below this node is in the set.
  bool empty() const;
  void insert(const FieldPath& path);
  // The node at `path`, or nullptr.
  const FieldSet* find(const FieldPath& path) const;
  // Every member path, parents before their children.
  void for_each(const std::function<void(const FieldPath&)>& visit) const;
  bool operator==(const FieldSet& other) const = default;
};

FieldSet set_union(const FieldSet& a, const FieldSet& b);
FieldSet set_difference(const FieldSet& a, const FieldSet& b);  // members of a not in b
FieldSet set_intersection(const FieldSet& a, const FieldSet& b);

// The `fieldsV1` object: `{"f:spec":{"f:replicas":{}}}`, with `".": {}` marking a node that is
// itself a member and has children.
nlohmann::json to_fields_v1(const FieldSet& set);
Result<FieldSet> from_fields_v1(const nlohmann::json& fields);

// The path as kube-apiserver prints it in conflicts: `.spec.replicas`,
// `.spec.template.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`.
std::string path_string(const FieldPath& path);

}  // namespace mk::apiserver::merge
