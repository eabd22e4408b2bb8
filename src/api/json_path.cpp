#include "api/json_path.h"

namespace mk::api {

const nlohmann::json* find_path(const nlohmann::json& root, std::string_view dotted) {
  const nlohmann::json* cur = &root;
  while (!dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string_view step = dotted.substr(0, dot);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(step);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  return cur;
}

std::string string_at(const nlohmann::json& root, std::string_view dotted, std::string fallback) {
  const nlohmann::json* v = find_path(root, dotted);
  if (!v) return fallback;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  if (v->is_number()) return v->dump();
  return fallback;
}

int64_t int_at(const nlohmann::json& root, std::string_view dotted, int64_t fallback) {
  const nlohmann::json* v = find_path(root, dotted);
  if (!v || !v->is_number()) return fallback;
  return v->get<int64_t>();
}

}  // namespace mk::api
