#include "server/apiserver/merge/conflict.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <tuple>

namespace mk::apiserver {

namespace {

// A string quoted the way Go's %q prints it, for names that are almost always plain.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string manager_name(const Conflict& c) {
  std::string name = quote(c.manager);
  if (c.operation == "Update") name += " using " + c.api_version;
  return name;
}

}  // namespace

std::string conflict_cause_message(const Conflict& conflict) { return "conflict with " + manager_name(conflict); }

std::string conflict_message(const std::vector<Conflict>& conflicts) {
  std::string out = "Apply failed with " + std::to_string(conflicts.size()) + " conflict";
  if (conflicts.size() != 1) out += "s";
  out += ": ";
  if (conflicts.size() == 1) return out + conflict_cause_message(conflicts[0]) + ": " + conflicts[0].path;

  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, std::vector<const Conflict*>> by_manager;
  for (const auto& c : conflicts) by_manager[Key(c.manager, c.operation, c.api_version)].push_back(&c);
  bool first = true;
  for (const auto& [key, list] : by_manager) {
    if (!first) out += "\n";
    first = false;
    out += "conflicts with " + manager_name(*list.front()) + ":";
    for (const Conflict* c : list) out += "\n- " + c->path;
  }
  return out;
}

nlohmann::json conflict_causes(const std::vector<Conflict>& conflicts) {
  nlohmann::json causes = nlohmann::json::array();
  for (const auto& c : conflicts) {
    causes.push_back({{"reason", "FieldManagerConflict"}, {"message", conflict_cause_message(c)}, {"field", c.path}});
  }
  return causes;
}

}  // namespace mk::apiserver
