#include "api/kinds/printers_format.h"

#include <algorithm>
#include <map>

#include "api/json_path.h"
#include "api/kinds/printers_duration.h"
#include "api/label_selector.h"
#include "api/quantity.h"

namespace mk::api::printers {

const nlohmann::json& array_at(const nlohmann::json& root, std::string_view dotted) {
  static const nlohmann::json empty = nlohmann::json::array();
  const nlohmann::json* v = find_path(root, dotted);
  return v != nullptr && v->is_array() ? *v : empty;
}

const nlohmann::json& object_at(const nlohmann::json& root, std::string_view dotted) {
  static const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* v = find_path(root, dotted);
  return v != nullptr && v->is_object() ? *v : empty;
}

std::string text_at(const nlohmann::json& root, std::string_view dotted) {
  const nlohmann::json* v = find_path(root, dotted);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

bool bool_at(const nlohmann::json& root, std::string_view dotted) {
  const nlohmann::json* v = find_path(root, dotted);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

bool is_set(const nlohmann::json& root, std::string_view dotted) {
  const nlohmann::json* v = find_path(root, dotted);
  return v != nullptr && !v->is_null();
}

std::string text_or(const nlohmann::json& root, std::string_view dotted, std::string fallback) {
  std::string value = text_at(root, dotted);
  return value.empty() ? fallback : value;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string to_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return text;
}

std::string trim_space(std::string_view text) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::string format_labels(const nlohmann::json& labels) {
  if (!labels.is_object() || labels.empty()) return "<none>";
  // nlohmann's objects iterate in key order, the order upstream sorts into.
  std::vector<std::string> parts;
  for (const auto& [key, value] : labels.items()) {
    parts.push_back(key + "=" + (value.is_string() ? value.get<std::string>() : std::string()));
  }
  return join(parts, ",");
}

std::string format_label_selector(const nlohmann::json& selector) {
  auto parsed = LabelSelector::from_json(selector);
  if (!parsed) return "<error>";
  std::string text = parsed->to_string();
  return text.empty() ? "<none>" : text;
}

std::string selector_string(const nlohmann::json& selector) {
  auto parsed = LabelSelector::from_json(selector);
  if (!parsed) return "<invalid>";
  return parsed->to_string();
}

std::pair<std::string, std::string> container_cells(const nlohmann::json& containers) {
  std::vector<std::string> names, images;
  if (containers.is_array()) {
    for (const auto& c : containers) {
      names.push_back(text_at(c, "name"));
      images.push_back(text_at(c, "image"));
    }
  }
  return {join(names, ","), join(images, ",")};
}

std::string quantity_string(const nlohmann::json* value) {
  if (value == nullptr || value->is_null()) return "0";
  std::string text;
  if (value->is_string()) {
    text = value->get<std::string>();
  } else if (value->is_number()) {
    // A quantity may also be written as a bare JSON number.
    text = value->dump();
  } else {
    return "0";
  }
  auto parsed = Quantity::parse(text);
  return parsed ? parsed->to_string() : text;
}

std::string int_or_string(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) return std::to_string(static_cast<int64_t>(value.get<double>()));
  return "0";
}

std::string access_modes(const nlohmann::json& modes) {
  auto has = [&](std::string_view mode) {
    if (!modes.is_array()) return false;
    return std::any_of(modes.begin(), modes.end(), [&](const nlohmann::json& m) {
      return m.is_string() && m.get<std::string>() == mode;
    });
  };
  std::vector<std::string> out;
  if (has("ReadWriteOnce")) out.push_back("RWO");
  if (has("ReadOnlyMany")) out.push_back("ROX");
  if (has("ReadWriteMany")) out.push_back("RWX");
  if (has("ReadWriteOncePod")) out.push_back("RWOP");
  return join(out, ",");
}

std::string join_host_port(const std::string& host, int64_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<TimePoint> timestamp_at(const nlohmann::json& root, std::string_view dotted) {
  return read_timestamp(find_path(root, dotted));
}

TimePoint now() { return std::chrono::system_clock::now(); }

PrinterColumn name_column() {
  return {"Name",
          "string",
          "name",
          0,
          "The object's name, unique within its namespace.",
          [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "metadata.name"); }};
}

PrinterColumn age_column() {
  return {"Age",
          "string",
          "",
          0,
          "How long ago the object was created.",
          [](const nlohmann::json& o) -> nlohmann::json {
            return time_since(timestamp_at(o, "metadata.creationTimestamp"), now());
          }};
}

PrinterColumn column(std::string name, std::string type, std::string description, Cell cell, int priority) {
  return {std::move(name), std::move(type), "", priority, std::move(description), std::move(cell)};
}

PrinterColumn wide_column(std::string name, std::string type, std::string description, Cell cell) {
  return column(std::move(name), std::move(type), std::move(description), std::move(cell), 1);
}

}  // namespace mk::api::printers
