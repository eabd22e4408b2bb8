#include "server/apiserver/merge/apply_merge.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

#include "server/apiserver/merge/field_paths.h"

namespace mk::apiserver::merge {

using nlohmann::json;

namespace {

using Combine = std::function<json(const json* live_item, const json& applied_item)>;

// The items of both lists, each once. The applied items keep their relative order; live-only items
// stay where they were relative to the applied items around them; an applied item new to the list
// goes just before the next item it shares with the live list.
json ordered_union(const json& live, const std::vector<std::string>& live_ids, const json& applied,
                   const std::vector<std::string>& applied_ids, const Combine& combine) {
  std::map<std::string, size_t> live_at, applied_at;
  for (size_t i = 0; i < live_ids.size(); ++i) live_at.emplace(live_ids[i], i);
  for (size_t j = 0; j < applied_ids.size(); ++j) applied_at.emplace(applied_ids[j], j);
  std::vector<bool> done(applied.size(), false);
  json out = json::array();
  auto emit = [&](size_t j) {
    auto l = live_at.find(applied_ids[j]);
    out.push_back(combine(l == live_at.end() ? nullptr : &live[l->second], applied[j]));
    done[j] = true;
  };
  size_t next = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    auto a = applied_at.find(live_ids[i]);
    if (a == applied_at.end()) {
      out.push_back(live[i]);
      continue;
    }
    for (; next <= a->second; ++next) {
      if (!done[next]) emit(next);
    }
  }
  for (; next < applied.size(); ++next) {
    if (!done[next]) emit(next);
  }
  return out;
}

}  // namespace

json apply_merge(const Shape& shape, const json* live, const json& applied) {
  if (!live || live->is_null()) return applied;
  if (applied.is_object() && live->is_object() && shape.is_mapping()) {
    json out = *live;
    for (const auto& [key, value] : applied.items()) {
      auto it = live->find(key);
      out[key] = apply_merge(shape.child(key), it == live->end() ? nullptr : &*it, value);
    }
    return out;
  }
  if (applied.is_array() && live->is_array()) {
    if (shape.is_set_list()) {
      std::vector<std::string> live_ids, applied_ids;
      for (const auto& v : *live) live_ids.push_back(value_element(v));
      for (const auto& v : applied) applied_ids.push_back(value_element(v));
      return ordered_union(*live, live_ids, applied, applied_ids, [](const json*, const json& a) { return a; });
    }
    if (shape.is_keyed_list()) {
      std::vector<std::string> live_ids, applied_ids;
      bool keyed = true;
      for (const auto& v : *live) {
        auto id = item_element(shape, v);
        keyed = keyed && id.has_value();
        if (id) live_ids.push_back(std::move(*id));
      }
      for (const auto& v : applied) {
        auto id = item_element(shape, v);
        keyed = keyed && id.has_value();
        if (id) applied_ids.push_back(std::move(*id));
      }
      if (keyed) {
        const Shape element = shape.element();
        return ordered_union(*live, live_ids, applied, applied_ids,
                             [&](const json* l, const json& a) { return apply_merge(element, l, a); });
      }
    }
  }
  return applied;
}

json without_nulls(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, v] : value.items()) {
      if (!v.is_null()) out[key] = without_nulls(v);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(without_nulls(v));
    return out;
  }
  return value;
}

}  // namespace mk::apiserver::merge
