// The list half of strategic merge patch: lists of objects merged by their merge key, lists of
// scalars merged as sets, everything else replaced; plus `$setElementOrder`.

#include <algorithm>

#include "server/apiserver/merge/strategic_internal.h"

namespace mk::apiserver::merge {

using nlohmann::json;

namespace {

// Reads an item's `$patch` value; nullopt when it has none.
Result<std::optional<std::string>> item_directive(const json& item, const std::string& path) {
  auto d = item.find(patch_directive);
  if (d == item.end()) return std::optional<std::string>();
  if (!d->is_string()) return bad_patch(path, "$patch must be a string, got " + std::string(json_kind(*d)));
  const std::string& directive = d->get_ref<const std::string&>();
  if (directive != "delete" && directive != "replace" && directive != "merge")
    return bad_patch(path, "unknown $patch directive \"" + directive + "\"");
  return std::optional<std::string>(directive);
}

bool same_key(const json& item, const std::string& key, const json& value) {
  if (!item.is_object()) return false;
  auto it = item.find(key);
  return it != item.end() && *it == value;
}

// Patch items are matched to live items by the merge key and merged; unmatched ones are appended
// in patch order; live items the patch does not mention stay where they are.
Result<json> merge_keyed(const Shape& shape, json base, const json& patch, const std::string& path) {
  const std::string& key = shape.field->merge_key;
  const Shape element = shape.element();
  bool replace = false;
  std::vector<std::pair<json, size_t>> items;
  for (size_t i = 0; i < patch.size(); ++i) {
    const json& e = patch[i];
    std::string where = item_path(path, i);
    if (!e.is_object()) return bad_patch(where, "expected an object, got " + std::string(json_kind(e)));
    auto directive = item_directive(e, where);
    if (!directive) return directive.error();
    if (*directive == "delete") {
      auto k = e.find(key);
      if (k == e.end()) return bad_patch(where, "$patch: delete needs the merge key \"" + key + "\"");
      json kept = json::array();
      for (auto& b : base) {
        if (!same_key(b, key, *k)) kept.push_back(std::move(b));
      }
      base = std::move(kept);
      continue;
    }
    if (*directive == "replace") {
      replace = true;
      continue;
    }
    json item = e;
    if (directive->has_value()) {  // an explicit `$patch: merge` is the default behaviour
      item.erase(std::string(patch_directive));
      if (item.empty()) continue;
    }
    if (!item.contains(key)) return bad_patch(where, "item has no merge key \"" + key + "\"");
    items.emplace_back(std::move(item), i);
  }
  // `{"$patch": "replace"}` as an item: the patch's items become the whole list.
  if (replace) base = json::array();

  for (const auto& [item, i] : items) {
    std::string where = item_path(path, i);
    auto match = std::find_if(base.begin(), base.end(), [&](const json& b) { return same_key(b, key, item[key]); });
    if (match != base.end()) {
      auto merged = smp_object(element, *match, item, where);
      if (!merged) return merged.error();
      if (merged->has_value()) {
        *match = std::move(**merged);
      } else {
        base.erase(match);
      }
    } else {
      auto added = smp_object(element, json::object(), item, where);
      if (!added) return added.error();
      if (added->has_value()) base.push_back(std::move(**added));
    }
  }
  return base;
}

// A set of scalars: the union of the live values and the patch's, live ones first, duplicates dropped.
Result<json> merge_set(json base, const json& patch, const std::string& path) {
  bool replace = false;
  std::vector<json> values;
  for (size_t i = 0; i < patch.size(); ++i) {
    const json& e = patch[i];
    std::string where = item_path(path, i);
    if (e.is_object()) {
      auto directive = item_directive(e, where);
      if (!directive) return directive.error();
      if (*directive == "replace") {
        replace = true;
        continue;
      }
      if (*directive == "merge" && e.size() == 1) continue;
      return bad_patch(where, "expected a scalar value, got an object");
    }
    if (e.is_array()) return bad_patch(where, "expected a scalar value, got a list");
    values.push_back(e);
  }
  json out = json::array();
  auto add = [&](const json& v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  if (!replace) {
    for (const auto& v : base) add(v);
  }
  for (const auto& v : values) add(v);
  return out;
}

// Lists without a merge strategy are replaced; objects inside are still cleaned of directives and nulls.
Result<json> replace_list(const Shape& shape, const json& patch, const std::string& path) {
  const Shape element = shape.element();
  json out = json::array();
  for (size_t i = 0; i < patch.size(); ++i) {
    const json& e = patch[i];
    if (!e.is_object() || element.kind == ShapeKind::scalar) {
      out.push_back(e);
      continue;
    }
    if (e.size() == 1 && e.contains(patch_directive)) continue;
    auto cleaned = smp_object(element, json::object(), e, item_path(path, i));
    if (!cleaned) return cleaned.error();
    if (cleaned->has_value()) out.push_back(std::move(**cleaned));
  }
  return out;
}

}  // namespace

Result<json> smp_list(const Shape& shape, const json* original, const json& patch, const std::string& path) {
  json base = (original && original->is_array()) ? *original : json::array();
  if (shape.field && !shape.field->merge_key.empty()) return merge_keyed(shape, std::move(base), patch, path);
  if (shape.is_set_list()) return merge_set(std::move(base), patch, path);
  return replace_list(shape, patch, path);
}

Status smp_set_order(const Shape& list_shape, json& merged, const json& order, const json* patch_list,
                     const std::string& path) {
  const std::string key =
      (list_shape.kind == ShapeKind::list && list_shape.field) ? list_shape.field->merge_key : std::string();
  // What identifies an item: its merge-key value, or the scalar itself.
  auto identity = [&](const json& item) -> std::optional<json> {
    if (key.empty()) {
      if (item.is_object() || item.is_array()) return std::nullopt;
      return item;
    }
    if (!item.is_object() || item.contains(patch_directive)) return std::nullopt;
    auto it = item.find(key);
    if (it == item.end()) return std::nullopt;
    return *it;
  };

  std::vector<json> wanted;
  for (size_t i = 0; i < order.size(); ++i) {
    const json& o = order[i];
    if (!key.empty() && (!o.is_object() || !o.contains(key)))
      return bad_patch(item_path(path, i), "expected an object carrying the merge key \"" + key + "\"");
    if (auto id = identity(o)) wanted.push_back(std::move(*id));
  }

  // kubectl lists every item of the new configuration in the order directive; the patch's own items
  // must appear there in the same relative order, or the two disagree.
  if (patch_list) {
    size_t pos = 0;
    for (const auto& e : *patch_list) {
      auto id = identity(e);
      if (!id) continue;
      while (pos < wanted.size() && wanted[pos] != *id) ++pos;
      if (pos == wanted.size())
        return bad_patch(path, "the order of the list's items in the patch does not match the order directive");
      ++pos;
    }
  }

  std::vector<std::pair<size_t, json>> listed;
  json others = json::array();
  for (auto& item : merged) {
    auto id = identity(item);
    auto at = id ? std::find(wanted.begin(), wanted.end(), *id) : wanted.end();
    if (at != wanted.end()) {
      listed.emplace_back(static_cast<size_t>(at - wanted.begin()), std::move(item));
    } else {
      others.push_back(std::move(item));
    }
  }
  std::stable_sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json out = json::array();
  for (auto& [index, item] : listed) out.push_back(std::move(item));
  for (auto& item : others) out.push_back(std::move(item));
  merged = std::move(out);
  return Status::ok();
}

}  // namespace mk::apiserver::merge
