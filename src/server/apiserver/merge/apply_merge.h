#pragma once
// Merging an applied configuration into the live object, the server-side apply way: structs and
// maps field by field, keyed lists item by item (matched by their list keys), sets as a union,
// atomic lists and scalars replaced.

#include <nlohmann/json_fwd.hpp>

#include "server/apiserver/merge/shape.h"

namespace mk::apiserver::merge {

// `live` is nullptr when there is no value yet; `applied` holds no nulls.
nlohmann::json apply_merge(const Shape& shape, const nlohmann::json* live, const nlohmann::json& applied);

// A copy of `value` with null object members dropped, recursively: in an applied configuration a
// null says nothing about the field.
nlohmann::json without_nulls(const nlohmann::json& value);

}  // namespace mk::apiserver::merge
