#include "server/apiserver/strategies/go_format.h"

#include <nlohmann/json.hpp>

#include <map>

#include "api/go_strconv.h"

namespace mk::apiserver {

using nlohmann::json;

std::string go_string_map(const json* labels) {
  if (!labels || !labels->is_object()) return "map[string]string(nil)";
  // fmt prints maps in key order.
  std::map<std::string, std::string> sorted;
  for (const auto& [k, v] : labels->items()) sorted[k] = v.is_string() ? v.get<std::string>() : v.dump();
  std::string out = "map[string]string{";
  bool first = true;
  for (const auto& [k, v] : sorted) {
    if (!first) out += ", ";
    first = false;
    out += api::go_quote(k) + ":" + api::go_quote(v);
  }
  return out + "}";
}

std::string go_strings(const json* values) {
  if (!values || !values->is_array()) return "[]string(nil)";
  std::vector<std::string> list;
  for (const auto& v : *values) list.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return api::go_string_slice(list, false);
}

std::string go_label_selector(const json& selector) {
  auto find = [&](const char* key) -> const json* {
    if (!selector.is_object()) return nullptr;
    auto it = selector.find(key);
    return it == selector.end() || it->is_null() ? nullptr : &*it;
  };
  std::string out = "v1.LabelSelector{MatchLabels:" + go_string_map(find("matchLabels")) + ", MatchExpressions:";
  const json* exprs = find("matchExpressions");
  if (!exprs || !exprs->is_array()) {
    out += "[]v1.LabelSelectorRequirement(nil)";
  } else {
    out += "[]v1.LabelSelectorRequirement{";
    for (size_t i = 0; i < exprs->size(); ++i) {
      const json& e = (*exprs)[i];
      auto str = [&](const char* key) {
        return e.is_object() && e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
      };
      const json* values = e.is_object() && e.contains("values") && !e["values"].is_null() ? &e["values"] : nullptr;
      if (i > 0) out += ", ";
      out += "v1.LabelSelectorRequirement{Key:" + api::go_quote(str("key")) + ", Operator:" + api::go_quote(str("operator")) +
             ", Values:" + go_strings(values) + "}";
    }
    out += "}";
  }
  return out + "}";
}

std::string go_int_or_string(const json* value) {
  if (value && value->is_string()) {
    return "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + api::go_quote(value->get<std::string>()) + "}";
  }
  int64_t n = value && value->is_number() ? value->get<int64_t>() : 0;
  return "intstr.IntOrString{Type:0, IntVal:" + std::to_string(n) + ", StrVal:\"\"}";
}

}  // namespace mk::apiserver
