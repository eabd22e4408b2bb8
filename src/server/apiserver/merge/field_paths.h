#pragma once
// From object values to field sets and back, as server-side apply counts fields: struct fields
// and map keys one by one, keyed-list items by their keys, set items by value, and everything
// else (scalars, atomic lists, free-form lists) as one leaf.

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

#include "common/error.h"
#include "server/apiserver/merge/field_set.h"
#include "server/apiserver/merge/shape.h"

namespace mk::apiserver::merge {

// `k:{"containerPort":80,"protocol":"TCP"}` for an item of a keyed list; a missing key field takes
// its schema default. nullopt when a key field is missing and has no default.
std::optional<std::string> item_element(const Shape& list, const nlohmann::json& item);
// `v:"value"` for an item of a set.
std::string value_element(const nlohmann::json& value);

// The fields an applied configuration sets. Errc::invalid_argument when a keyed-list item lacks a
// key field or two items share their keys.
Result<FieldSet> applied_fields(const Shape& root, const nlohmann::json& config);

struct FieldChanges {
  FieldSet added;     // present only after; whole new subtrees, with new maps and items as members themselves
  FieldSet modified;  // leaves whose value changed
  FieldSet removed;   // present only before
};
FieldChanges compare_values(const Shape& root, const nlohmann::json& before, const nlohmann::json& after);

// Removes the value at `path` from `object`, and containers that this leaves empty. A keyed-list
// item's own key fields are never removed while the item stays.
void remove_field(const Shape& root, nlohmann::json& object, const FieldPath& path);

// A copy of an object without what no manager owns: apiVersion, kind, and the metadata the server
// maintains (name, namespace, uid, resourceVersion, generation, timestamps, managedFields...).
nlohmann::json tracked_view(const nlohmann::json& object);

}  // namespace mk::apiserver::merge
