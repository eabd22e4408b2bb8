#include "server/apiserver/merge/field_set.h"

#include <nlohmann/json.hpp>

namespace mk::apiserver::merge {

using nlohmann::json;

namespace {

void walk(const FieldSet& node, FieldPath& path, const std::function<void(const FieldPath&)>& visit) {
  if (node.member) visit(path);
  for (const auto& [element, child] : node.children) {
    path.push_back(element);
    walk(child, path, visit);
    path.pop_back();
  }
}

// Drops children that ended up holding no member, so equal sets compare equal.
void prune(FieldSet& node) {
  for (auto it = node.children.begin(); it != node.children.end();) {
    prune(it->second);
    if (it->second.empty()) {
      it = node.children.erase(it);
    } else {
      ++it;
    }
  }
}

void unite(FieldSet& into, const FieldSet& from) {
  into.member = into.member || from.member;
  for (const auto& [element, child] : from.children) unite(into.children[element], child);
}

FieldSet subtract(const FieldSet& a, const FieldSet& b) {
  FieldSet out;
  out.member = a.member && !b.member;
  for (const auto& [element, child] : a.children) {
    auto other = b.children.find(element);
    out.children.emplace(element, other == b.children.end() ? child : subtract(child, other->second));
  }
  return out;
}

FieldSet intersect(const FieldSet& a, const FieldSet& b) {
  FieldSet out;
  out.member = a.member && b.member;
  for (const auto& [element, child] : a.children) {
    auto other = b.children.find(element);
    if (other != b.children.end()) out.children.emplace(element, intersect(child, other->second));
  }
  return out;
}

json encode(const FieldSet& node) {
  json out = json::object();
  if (node.member && !node.children.empty()) out["."] = json::object();
  for (const auto& [element, child] : node.children) out[element] = encode(child);
  return out;
}

Status decode(const json& j, FieldSet& node) {
  if (!j.is_object()) return make_error(Errc::invalid_argument, "fieldsV1: expected an object");
  for (const auto& [element, child] : j.items()) {
    if (element == ".") {
      node.member = true;
      continue;
    }
    FieldSet& c = node.children[element];
    if (auto s = decode(child, c); !s) return s;
    if (child.empty()) c.member = true;
  }
  return Status::ok();
}

// A JSON value as Go's fieldpath printing shows it: strings quoted, everything else as JSON.
std::string key_value_string(const json& v) { return v.dump(); }

}  // namespace

bool FieldSet::empty() const {
  if (member) return false;
  for (const auto& [element, child] : children) {
    if (!child.empty()) return false;
  }
  return true;
}

void FieldSet::insert(const FieldPath& path) {
  FieldSet* node = this;
  for (const auto& element : path) node = &node->children[element];
  node->member = true;
}

const FieldSet* FieldSet::find(const FieldPath& path) const {
  const FieldSet* node = this;
  for (const auto& element : path) {
    auto it = node->children.find(element);
    if (it == node->children.end()) return nullptr;
    node = &it->second;
  }
  return node;
}

void FieldSet::for_each(const std::function<void(const FieldPath&)>& visit) const {
  FieldPath path;
  walk(*this, path, visit);
}

FieldSet set_union(const FieldSet& a, const FieldSet& b) {
  FieldSet out = a;
  unite(out, b);
  prune(out);
  return out;
}

FieldSet set_difference(const FieldSet& a, const FieldSet& b) {
  FieldSet out = subtract(a, b);
  prune(out);
  return out;
}

FieldSet set_intersection(const FieldSet& a, const FieldSet& b) {
  FieldSet out = intersect(a, b);
  prune(out);
  return out;
}

json to_fields_v1(const FieldSet& set) { return encode(set); }

Result<FieldSet> from_fields_v1(const json& fields) {
  FieldSet set;
  if (auto s = decode(fields, set); !s) return s.error();
  set.member = false;  // the root is the object itself, never an owned field
  prune(set);
  return set;
}

std::string path_string(const FieldPath& path) {
  std::string out;
  for (const auto& element : path) {
    std::string_view rest = std::string_view(element).substr(element.size() < 2 ? element.size() : 2);
    if (element.rfind("f:", 0) == 0) {
      out += ".";
      out += rest;
    } else if (element.rfind("k:", 0) == 0) {
      json keys = json::parse(rest, nullptr, false);
      out += "[";
      if (keys.is_object()) {
        bool first = true;
        for (const auto& [name, value] : keys.items()) {
          if (!first) out += ",";
          first = false;
          out += name + "=" + key_value_string(value);
        }
      } else {
        out += rest;
      }
      out += "]";
    } else if (element.rfind("v:", 0) == 0) {
      out += "[=";
      out += rest;
      out += "]";
    } else if (element.rfind("i:", 0) == 0) {
      out += "[";
      out += rest;
      out += "]";
    } else {
      out += "." + element;
    }
  }
  return out;
}

}  // namespace mk::apiserver::merge
