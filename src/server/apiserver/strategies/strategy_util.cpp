#include "server/apiserver/strategies/strategy_util.h"

#include <cmath>
#include <set>

namespace mk::apiserver {

using nlohmann::json;

std::vector<api::StatusCause> to_causes(const api::FieldErrors& errors) {
  std::vector<api::StatusCause> out;
  out.reserve(errors.size());
  for (const auto& e : errors) out.push_back({e.type, api::to_string(e), e.field});
  return out;
}

void append(api::FieldErrors& to, api::FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

bool has(const json& obj, std::string_view key) { return member(obj, key) != nullptr; }

std::string string_of(const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<int64_t> int_of(const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d)) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

bool bool_of(const json& obj, std::string_view key, bool fallback) {
  const json* v = member(obj, key);
  return v && v->is_boolean() ? v->get<bool>() : fallback;
}

const json& array_of(const json& obj, std::string_view key) {
  static const json kEmpty = json::array();
  const json* v = member(obj, key);
  return v && v->is_array() ? *v : kEmpty;
}

const json& object_of(const json& obj, std::string_view key) {
  static const json kEmpty = json::object();
  const json* v = member(obj, key);
  return v && v->is_object() ? *v : kEmpty;
}

json& ensure_object(json& obj, const std::string& key) {
  json& v = obj[key];
  if (!v.is_object()) v = json::object();
  return v;
}

bool unset_string(const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  return !v || (v->is_string() && v->get_ref<const std::string&>().empty());
}

bool is_zero(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return true;
    case json::value_t::string: return v.get_ref<const std::string&>().empty();
    case json::value_t::boolean: return !v.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return v.get<double>() == 0;
    case json::value_t::array: return v.empty();
    case json::value_t::object:
      for (const auto& [k, m] : v.items())
        if (!is_zero(m)) return false;
      return true;
    default: return false;
  }
}

bool semantic_equal(const json& a, const json& b) {
  if (is_zero(a) && is_zero(b)) return true;
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    static const json kNull;
    for (const auto& k : keys) {
      auto ia = a.find(k);
      auto ib = b.find(k);
      if (!semantic_equal(ia == a.end() ? kNull : *ia, ib == b.end() ? kNull : *ib)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!semantic_equal(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

std::string index_path(const std::string& base, size_t index) { return base + "[" + std::to_string(index) + "]"; }

std::string key_path(const std::string& base, const std::string& key) { return base + "[" + key + "]"; }

void check_nonnegative(int64_t value, const std::string& field, api::FieldErrors& out) {
  if (value < 0)
    out.push_back(api::field_invalid_verbatim(field, std::to_string(value), "must be greater than or equal to 0"));
}

void check_nonnegative_member(const json& obj, std::string_view key, const std::string& base, api::FieldErrors& out) {
  if (auto v = int_of(obj, key)) check_nonnegative(*v, base + "." + std::string(key), out);
}

std::vector<std::string> check_port_number(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

std::vector<std::string> check_port_name(std::string_view name) {
  std::vector<std::string> errs;
  if (name.size() > 15) errs.push_back("must be no more than 15 characters");
  bool charset = !name.empty();
  bool letter = false;
  for (char c : name) {
    bool lower = c >= 'a' && c <= 'z';
    letter |= lower;
    charset &= lower || (c >= '0' && c <= '9') || c == '-';
  }
  if (!charset) errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!letter) errs.push_back("must contain at least one letter (a-z)");
  if (name.find("--") != std::string_view::npos) errs.push_back("must not contain consecutive hyphens");
  if (!name.empty() && (name.front() == '-' || name.back() == '-')) errs.push_back("must not begin or end with a hyphen");
  return errs;
}

void add_invalid(api::FieldErrors& out, const std::string& field, const std::string& value,
                 const std::vector<std::string>& messages) {
  for (const auto& m : messages) out.push_back(api::field_invalid(field, value, m));
}

std::string regex_error(std::string_view msg, std::string_view fmt, const std::vector<std::string>& examples) {
  std::string out(msg);
  if (examples.empty()) return out + " (regex used for validation is '" + std::string(fmt) + "')";
  out += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    out += "'" + examples[i] + "', ";
  }
  out += "regex used for validation is '" + std::string(fmt) + "')";
  return out;
}

}  // namespace mk::apiserver
