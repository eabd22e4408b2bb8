#include "server/apiserver/merge/strategic_merge.h"

#include <set>

#include "server/apiserver/merge/strategic_internal.h"

namespace mk::apiserver {
namespace merge {

using nlohmann::json;

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool is_directive(std::string_view key) {
  return key == patch_directive || key == retain_keys_directive || starts_with(key, set_order_prefix) ||
         starts_with(key, delete_from_list_prefix);
}

// `$retainKeys`: the struct keeps only the listed keys of its current value (switching a union
// such as a volume source or a deployment strategy from one member to another).
Status apply_retain_keys(json& result, const json& keys, const std::string& path) {
  if (!keys.is_array()) return bad_patch(path, "$retainKeys must be a list of field names, got " + std::string(json_kind(keys)));
  std::set<std::string, std::less<>> keep;
  for (const auto& k : keys) {
    if (!k.is_string()) return bad_patch(path, "$retainKeys must be a list of field names, got an item of type " + std::string(json_kind(k)));
    keep.insert(k.get<std::string>());
  }
  for (auto it = result.begin(); it != result.end();) {
    if (keep.count(it.key())) {
      ++it;
    } else {
      it = result.erase(it);
    }
  }
  return Status::ok();
}

// `$deleteFromPrimitiveList/<name>`: removes every listed value from the scalar list `name`.
Status apply_delete_from_list(json& result, std::string_view name, const json& values, const std::string& path) {
  std::string where = member_path(path, std::string(delete_from_list_prefix) + std::string(name));
  if (!values.is_array()) return bad_patch(where, "expected a list of values, got " + std::string(json_kind(values)));
  auto it = result.find(name);
  if (it == result.end() || !it->is_array()) return Status::ok();
  json kept = json::array();
  for (const auto& v : *it) {
    bool drop = false;
    for (const auto& d : values) drop = drop || d == v;
    if (!drop) kept.push_back(v);
  }
  *it = std::move(kept);
  return Status::ok();
}

}  // namespace

Error bad_patch(const std::string& path, const std::string& why) {
  return make_error(Errc::invalid_argument, "strategic merge patch: " + (path.empty() ? why : path + ": " + why));
}

std::string member_path(const std::string& parent, std::string_view name) {
  return parent.empty() ? std::string(name) : parent + "." + std::string(name);
}

std::string item_path(const std::string& list, size_t index) { return list + "[" + std::to_string(index) + "]"; }

const char* json_kind(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    default: return "a number";
  }
}

Result<std::optional<json>> smp_object(const Shape& shape, const json& original, const json& patch,
                                       const std::string& path) {
  if (auto d = patch.find(patch_directive); d != patch.end()) {
    if (!d->is_string()) return bad_patch(path, "$patch must be a string, got " + std::string(json_kind(*d)));
    const std::string& directive = d->get_ref<const std::string&>();
    if (directive == "delete") return std::optional<json>();
    if (directive == "replace") {
      // The patch becomes the whole value; merging it into nothing still drops its nulls and
      // processes the directives nested inside it.
      json rest = patch;
      rest.erase(std::string(patch_directive));
      return smp_object(shape, json::object(), rest, path);
    }
    if (directive != "merge") return bad_patch(path, "unknown $patch directive \"" + directive + "\"");
  }

  json result = original.is_object() ? original : json::object();
  if (auto r = patch.find(retain_keys_directive); r != patch.end()) {
    if (auto s = apply_retain_keys(result, *r, path); !s) return s.error();
  }
  for (const auto& [key, value] : patch.items()) {
    if (!starts_with(key, delete_from_list_prefix)) continue;
    if (auto s = apply_delete_from_list(result, std::string_view(key).substr(delete_from_list_prefix.size()), value, path); !s)
      return s.error();
  }

  for (const auto& [key, value] : patch.items()) {
    if (is_directive(key)) continue;
    // A `$`-key that is no directive is data only where the schema does not know the field names
    // (free-form objects, string-keyed maps); on a typed struct it could never be stored.
    if (!key.empty() && key[0] == '$' && shape.kind == ShapeKind::object) continue;
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    auto it = result.find(key);
    auto merged = smp_value(shape.child(key), it == result.end() ? nullptr : &*it, value, member_path(path, key));
    if (!merged) return merged.error();
    if (merged->has_value()) {
      result[key] = std::move(**merged);
    } else {
      result.erase(key);
    }
  }

  for (const auto& [key, value] : patch.items()) {
    if (!starts_with(key, set_order_prefix)) continue;
    std::string name = key.substr(set_order_prefix.size());
    std::string where = member_path(path, key);
    if (!value.is_array()) return bad_patch(where, "expected a list, got " + std::string(json_kind(value)));
    auto p = patch.find(name);
    const json* patch_list = (p != patch.end() && p->is_array()) ? &*p : nullptr;
    auto it = result.find(name);
    if (it == result.end() || !it->is_array()) {
      if (p != patch.end() && p->is_null()) continue;  // the list is being deleted
      json none = json::array();
      if (auto s = smp_set_order(shape.child(name), none, value, patch_list, where); !s) return s.error();
      continue;
    }
    if (auto s = smp_set_order(shape.child(name), *it, value, patch_list, where); !s) return s.error();
  }
  return std::optional<json>(std::move(result));
}

Result<std::optional<json>> smp_value(const Shape& shape, const json* original, const json& patch,
                                      const std::string& path) {
  switch (shape.kind) {
    case ShapeKind::object:
    case ShapeKind::map:
      if (!patch.is_object()) return bad_patch(path, "expected an object, got " + std::string(json_kind(patch)));
      return smp_object(shape, (original && original->is_object()) ? *original : json::object(), patch, path);
    case ShapeKind::list: {
      if (!patch.is_array()) return bad_patch(path, "expected a list, got " + std::string(json_kind(patch)));
      auto list = smp_list(shape, original, patch, path);
      if (!list) return list.error();
      return std::optional<json>(std::move(*list));
    }
    case ShapeKind::deduced:
      // Free-form JSON follows merge-patch rules: objects merge, everything else replaces.
      if (patch.is_object())
        return smp_object(shape, (original && original->is_object()) ? *original : json::object(), patch, path);
      return std::optional<json>(patch);
    case ShapeKind::scalar:
      break;
  }
  return std::optional<json>(patch);
}

}  // namespace merge

Result<nlohmann::json> strategic_merge(const api::schema::TypeDef& type, const nlohmann::json& original,
                                       const nlohmann::json& patch) {
  if (!patch.is_object())
    return merge::bad_patch("", "the patch must be a JSON object, got " + std::string(merge::json_kind(patch)));
  auto merged = merge::smp_object(merge::Shape::of_type(type), original, patch, "");
  if (!merged) return merged.error();
  if (!merged->has_value()) return nlohmann::json::object();
  return std::move(**merged);
}

}  // namespace mk::apiserver
