#pragma once
// How the merge code sees one position inside an object: a typed struct, a string-keyed map, a
// list (with the strategy its field declares), a scalar, or free-form JSON ("deduced") where the
// schema says nothing. Strategic merge patch and server-side apply both walk objects this way, so
// unknown fields and `object`-typed fields get one consistent treatment: maps merge key by key,
// lists are replaced whole.

#include <string_view>

#include "api/schema/schema.h"

namespace mk::apiserver::merge {

enum class ShapeKind { scalar, object, map, list, deduced };

struct Shape {
  ShapeKind kind = ShapeKind::deduced;
  const api::schema::TypeDef* type = nullptr;  // kind object: the struct's type
  const api::schema::Field* field = nullptr;   // the field this position belongs to, when known

  static Shape of_type(const api::schema::TypeDef& type);
  static Shape of_field(const api::schema::Field& field);

  // The member `name` of an object, map or free-form value (deduced when the schema has no such field).
  Shape child(std::string_view name) const;
  // The items of a list, or the values of a map.
  Shape element() const;

  bool is_mapping() const { return kind == ShapeKind::object || kind == ShapeKind::map || kind == ShapeKind::deduced; }
  // A list whose items are identified by key fields (server-side apply `listType: map`).
  bool is_keyed_list() const;
  // A list of scalars merged as a set.
  bool is_set_list() const;
};

}  // namespace mk::apiserver::merge
