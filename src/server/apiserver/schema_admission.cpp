#include "server/apiserver/schema_admission.h"

#include <nlohmann/json.hpp>

#include "api/schema/schema.h"

namespace mk::apiserver {
namespace {

using api::schema::Base;
using api::schema::Container;
using api::schema::Field;
using api::schema::TypeDef;
using nlohmann::json;

json default_literal(const std::string& text, Base base) {
  if (base == Base::boolean) return text == "true";
  if (base == Base::int32 || base == Base::int64) {
    try {
      return std::stoll(text);
    } catch (...) {
      return text;
    }
  }
  if (base == Base::number) {
    try {
      return std::stod(text);
    } catch (...) {
      return text;
    }
  }
  if (base == Base::int_or_string) {
    bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    if (digits) return std::stoll(text);
  }
  return text;
}

bool is_root_meta(const std::string& name) { return name == "kind" || name == "apiVersion"; }

const char* json_type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "unknown";
  }
}

// Whether a scalar JSON value fits the base type. Null is accepted anywhere (Go decodes it as
// the zero value).
bool scalar_fits(Base base, const json& v) {
  if (v.is_null()) return true;
  switch (base) {
    case Base::string:
    case Base::bytes:
    case Base::time:
    case Base::micro_time:
    case Base::duration: return v.is_string();
    case Base::int32:
    case Base::int64: return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
    case Base::boolean: return v.is_boolean();
    case Base::number: return v.is_number();
    case Base::quantity:
    case Base::int_or_string: return v.is_string() || v.is_number();
    case Base::raw_extension:
    case Base::any: return true;
    case Base::message: return v.is_object();
  }
  return true;
}

std::string expected_name(Base base) {
  switch (base) {
    case Base::int32:
    case Base::int64: return "integer";
    case Base::boolean: return "boolean";
    case Base::number: return "number";
    case Base::message: return "object";
    case Base::quantity:
    case Base::int_or_string: return "string or integer";
    default: return "string";
  }
}

struct Walker {
  SchemaCheck& out;

  void value(const Field& f, const json& v, const std::string& path) {
    if (v.is_null()) return;
    if (f.type.container == Container::list) {
      if (!v.is_array()) return type_error(path, v, "array");
      for (size_t i = 0; i < v.size(); ++i) element(f, v[i], path + "[" + std::to_string(i) + "]");
      return;
    }
    if (f.type.container == Container::map) {
      if (!v.is_object()) return type_error(path, v, "object");
      for (auto it = v.begin(); it != v.end(); ++it) element(f, it.value(), path + "[" + it.key() + "]");
      return;
    }
    element(f, v, path);
  }

  void element(const Field& f, const json& v, const std::string& path) {
    if (f.type.base == Base::message) {
      if (v.is_null()) return;
      if (!v.is_object()) return type_error(path, v, "object");
      object(*f.type.message, v, path, false);
      return;
    }
    if (!scalar_fits(f.type.base, v)) return type_error(path, v, expected_name(f.type.base));
    if (!f.enum_values.empty() && v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      bool ok = s.empty();
      for (const auto& e : f.enum_values) ok |= (e == s);
      if (!ok) {
        std::string supported;
        for (const auto& e : f.enum_values) supported += (supported.empty() ? "\"" : ", \"") + e + "\"";
        out.invalid.push_back({"FieldValueNotSupported",
                               path.substr(1) + ": Unsupported value: \"" + s + "\": supported values: " + supported,
                               path.substr(1)});
      }
    }
  }

  void type_error(const std::string& path, const json& v, const std::string& expected) {
    out.invalid.push_back({"FieldValueInvalid",
                           path.substr(1) + ": Invalid value: \"" + json_type_name(v) + "\": " +
                               path.substr(1) + " in body must be of type " + expected + ": \"" +
                               json_type_name(v) + "\"",
                           path.substr(1)});
  }

  void object(const TypeDef& type, const json& obj, const std::string& path, bool root) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (root && is_root_meta(it.key())) continue;
      const Field* f = type.json_field(it.key());
      if (!f) {
        out.unknown_fields.push_back(path + "." + it.key());
        continue;
      }
      value(*f, it.value(), path + "." + it.key());
    }
    for (const Field* f : type.json_fields()) {
      if (f->required && !obj.contains(f->name)) {
        std::string p = (path + "." + f->name).substr(1);
        out.invalid.push_back({"FieldValueRequired", p + ": Required value", p});
      }
    }
  }
};

void defaults(const TypeDef& type, json& obj, int depth) {
  if (depth > 32 || !obj.is_object()) return;
  for (const Field* f : type.json_fields()) {
    auto it = obj.find(f->name);
    if (it == obj.end()) {
      if (f->default_value && f->type.container == Container::none)
        obj[f->name] = default_literal(*f->default_value, f->type.base);
      continue;
    }
    if (f->type.base != Base::message) continue;
    json& v = it.value();
    if (f->type.container == Container::none) {
      defaults(*f->type.message, v, depth + 1);
    } else if (v.is_array() || v.is_object()) {
      for (auto& e : v) defaults(*f->type.message, e, depth + 1);
    }
  }
}

void drop(const TypeDef& type, json& obj, bool root, int depth) {
  if (depth > 32 || !obj.is_object()) return;
  for (auto it = obj.begin(); it != obj.end();) {
    if (root && is_root_meta(it.key())) {
      ++it;
      continue;
    }
    const Field* f = type.json_field(it.key());
    if (!f) {
      it = obj.erase(it);
      continue;
    }
    if (f->type.base == Base::message) {
      json& v = it.value();
      if (f->type.container == Container::none) {
        drop(*f->type.message, v, false, depth + 1);
      } else if (v.is_array() || v.is_object()) {
        for (auto& e : v) drop(*f->type.message, e, false, depth + 1);
      }
    }
    ++it;
  }
}

}  // namespace

void apply_schema_defaults(const TypeDef& type, json& obj) { defaults(type, obj, 0); }

SchemaCheck check_against_schema(const TypeDef& type, const json& obj) {
  SchemaCheck out;
  Walker w{out};
  w.object(type, obj, "", true);
  return out;
}

void drop_unknown_fields(const TypeDef& type, json& obj) { drop(type, obj, true, 0); }

}  // namespace mk::apiserver
