#include "server/apiserver/merge/field_paths.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace mk::apiserver::merge {

using nlohmann::json;
namespace schema = api::schema;

namespace {

// A key field's schema default, typed as JSON.
std::optional<json> key_default(const Shape& list, const std::string& name) {
  const Shape element = list.element();
  if (element.kind != ShapeKind::object) return std::nullopt;
  const schema::Field* f = element.type->json_field(name);
  if (!f || !f->default_value) return std::nullopt;
  const std::string& text = *f->default_value;
  switch (f->type.base) {
    case schema::Base::int32:
    case schema::Base::int64:
      try {
        return json(std::stoll(text));
      } catch (...) {
        return std::nullopt;
      }
    case schema::Base::boolean:
      return json(text == "true");
    default:
      return json(text);
  }
}

// The path elements of every item of a keyed list; false when some item cannot be keyed, in which
// case the list can only be treated as one value.
bool keyed_elements(const Shape& list, const json& items, std::vector<std::string>& out) {
  out.clear();
  for (const auto& item : items) {
    auto element = item_element(list, item);
    if (!element) return false;
    out.push_back(std::move(*element));
  }
  return true;
}

bool granular(const Shape& s, const json& v) {
  if (v.is_object()) return s.is_mapping();
  if (v.is_array()) return s.is_set_list() || s.is_keyed_list();
  return false;
}

Error apply_error(const std::string& where, const std::string& why) {
  return make_error(Errc::invalid_argument, "server-side apply: " + (where.empty() ? why : where + ": " + why));
}

Status collect(const Shape& s, const json& v, FieldSet& node, const std::string& where) {
  if (v.is_object()) {
    for (const auto& [key, child] : v.items()) {
      if (child.is_null()) continue;
      const Shape cs = s.child(key);
      FieldSet& c = node.children["f:" + key];
      if (granular(cs, child)) {
        if (auto st = collect(cs, child, c, where + "." + key); !st) return st;
      } else {
        c.member = true;
      }
    }
    return Status::ok();
  }
  if (s.is_set_list()) {
    for (const auto& item : v) node.children[value_element(item)].member = true;
    return Status::ok();
  }
  const Shape element = s.element();
  for (size_t i = 0; i < v.size(); ++i) {
    const json& item = v[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    if (!item.is_object()) return apply_error(at, "expected an object in a keyed list");
    auto pe = item_element(s, item);
    if (!pe) {
      std::string missing;
      for (const auto& k : s.field->list_keys) {
        if (!item.contains(k) && !key_default(s, k)) missing = k;
      }
      return apply_error(at, "associative list with keys has an element that omits key field \"" + missing +
                                 "\" (and doesn't have default value)");
    }
    if (node.children.count(*pe)) return apply_error(at, "duplicate entries for key " + pe->substr(2));
    FieldSet& c = node.children[*pe];
    c.member = true;
    if (auto st = collect(element, item, c, at); !st) return st;
  }
  return Status::ok();
}

// Adds every path of the value `v` at `path` to `set`.
void mark(const Shape& s, const json& v, FieldPath& path, FieldSet& set) {
  if (v.is_object() && s.is_mapping()) {
    // A new map or free-form object counts as a field of its own (`.`); a struct is only its fields.
    if (v.empty() || s.kind != ShapeKind::object) set.insert(path);
    for (const auto& [key, child] : v.items()) {
      if (child.is_null()) continue;
      path.push_back("f:" + key);
      mark(s.child(key), child, path, set);
      path.pop_back();
    }
    return;
  }
  if (v.is_array() && !v.empty()) {
    if (s.is_set_list()) {
      for (const auto& item : v) {
        path.push_back(value_element(item));
        set.insert(path);
        path.pop_back();
      }
      return;
    }
    std::vector<std::string> elements;
    if (s.is_keyed_list() && keyed_elements(s, v, elements)) {
      const Shape element = s.element();
      for (size_t i = 0; i < v.size(); ++i) {
        path.push_back(elements[i]);
        set.insert(path);
        mark(element, v[i], path, set);
        path.pop_back();
      }
      return;
    }
  }
  set.insert(path);
}

void diff(const Shape& s, const json* a, const json* b, FieldPath& path, FieldChanges& out) {
  bool a_absent = !a || a->is_null();
  bool b_absent = !b || b->is_null();
  if (a_absent && b_absent) return;
  if (a_absent) return mark(s, *b, path, out.added);
  if (b_absent) return mark(s, *a, path, out.removed);
  if (a->is_object() && b->is_object() && s.is_mapping()) {
    for (const auto& [key, av] : a->items()) {
      auto bv = b->find(key);
      path.push_back("f:" + key);
      diff(s.child(key), &av, bv == b->end() ? nullptr : &*bv, path, out);
      path.pop_back();
    }
    for (const auto& [key, bv] : b->items()) {
      if (a->contains(key)) continue;
      path.push_back("f:" + key);
      diff(s.child(key), nullptr, &bv, path, out);
      path.pop_back();
    }
    return;
  }
  if (a->is_array() && b->is_array()) {
    if (s.is_set_list()) {
      for (const auto& v : *b) {
        if (std::find(a->begin(), a->end(), v) != a->end()) continue;
        path.push_back(value_element(v));
        out.added.insert(path);
        path.pop_back();
      }
      for (const auto& v : *a) {
        if (std::find(b->begin(), b->end(), v) != b->end()) continue;
        path.push_back(value_element(v));
        out.removed.insert(path);
        path.pop_back();
      }
      return;
    }
    std::vector<std::string> ak, bk;
    if (s.is_keyed_list() && keyed_elements(s, *a, ak) && keyed_elements(s, *b, bk)) {
      const Shape element = s.element();
      std::map<std::string, size_t> in_a, in_b;
      for (size_t i = 0; i < ak.size(); ++i) in_a.emplace(ak[i], i);
      for (size_t i = 0; i < bk.size(); ++i) in_b.emplace(bk[i], i);
      for (const auto& [pe, j] : in_b) {
        path.push_back(pe);
        if (auto it = in_a.find(pe); it != in_a.end()) {
          diff(element, &(*a)[it->second], &(*b)[j], path, out);
        } else {
          out.added.insert(path);
          mark(element, (*b)[j], path, out.added);
        }
        path.pop_back();
      }
      for (const auto& [pe, i] : in_a) {
        if (in_b.count(pe)) continue;
        path.push_back(pe);
        out.removed.insert(path);
        mark(element, (*a)[i], path, out.removed);
        path.pop_back();
      }
      return;
    }
  }
  if (*a != *b) out.modified.insert(path);
}

bool is_key_of(const Shape* list, const std::string& name) {
  if (!list || !list->field) return false;
  const auto& keys = list->field->list_keys;
  return std::find(keys.begin(), keys.end(), name) != keys.end();
}

// `item_list` is the keyed list `v` is an item of, if it is one.
bool remove_at(const Shape& s, json& v, const FieldPath& path, size_t i, const Shape* item_list) {
  const std::string& pe = path[i];
  const bool last = i + 1 == path.size();
  if (pe.rfind("f:", 0) == 0) {
    if (!v.is_object()) return false;
    std::string name = pe.substr(2);
    auto it = v.find(name);
    if (it == v.end()) return false;
    if (last) {
      if (is_key_of(item_list, name)) return false;
      v.erase(it);
      return true;
    }
    bool removed = remove_at(s.child(name), *it, path, i + 1, nullptr);
    // A map or list emptied by the removal goes too, rather than lingering as `{}` or `[]`.
    if (removed && (it->is_object() || it->is_array()) && it->empty()) v.erase(it);
    return removed;
  }
  if (!v.is_array()) return false;
  if (pe.rfind("k:", 0) == 0) {
    for (size_t j = 0; j < v.size(); ++j) {
      if (item_element(s, v[j]) != pe) continue;
      if (last) {
        v.erase(j);
        return true;
      }
      return remove_at(s.element(), v[j], path, i + 1, &s);
    }
    return false;
  }
  if (pe.rfind("v:", 0) == 0 && last) {
    json value = json::parse(pe.substr(2), nullptr, false);
    size_t before = v.size();
    json kept = json::array();
    for (auto& item : v) {
      if (item != value) kept.push_back(std::move(item));
    }
    v = std::move(kept);
    return v.size() != before;
  }
  return false;
}

}  // namespace

std::optional<std::string> item_element(const Shape& list, const json& item) {
  if (!item.is_object() || !list.field) return std::nullopt;
  json keys = json::object();
  for (const auto& k : list.field->list_keys) {
    auto it = item.find(k);
    if (it != item.end() && !it->is_null()) {
      keys[k] = *it;
    } else if (auto d = key_default(list, k)) {
      keys[k] = std::move(*d);
    } else {
      return std::nullopt;
    }
  }
  return "k:" + keys.dump();
}

std::string value_element(const json& value) { return "v:" + value.dump(); }

Result<FieldSet> applied_fields(const Shape& root, const json& config) {
  FieldSet set;
  if (auto s = collect(root, config, set, ""); !s) return s.error();
  return set_union(set, FieldSet{});  // drops nodes left without members (empty objects)
}

FieldChanges compare_values(const Shape& root, const json& before, const json& after) {
  FieldChanges out;
  FieldPath path;
  diff(root, &before, &after, path, out);
  out.added.member = out.modified.member = out.removed.member = false;
  return out;
}

void remove_field(const Shape& root, json& object, const FieldPath& path) {
  if (!path.empty()) remove_at(root, object, path, 0, nullptr);
}

json tracked_view(const json& object) {
  json view = object;
  if (!view.is_object()) return view;
  view.erase("apiVersion");
  view.erase("kind");
  auto meta = view.find("metadata");
  if (meta != view.end() && meta->is_object()) {
    for (const char* key : {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                            "deletionTimestamp", "deletionGracePeriodSeconds", "generateName", "selfLink",
                            "managedFields"}) {
      meta->erase(key);
    }
    if (meta->empty()) view.erase(meta);
  }
  return view;
}

}  // namespace mk::apiserver::merge
