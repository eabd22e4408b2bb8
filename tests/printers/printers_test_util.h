#pragma once
// Helpers for the printer tests: build a row from a kind's columns, and write timestamps relative
// to now. Ages are chosen away from rounding edges ("30m" for 30m30s) so that the second or two
// between writing the object and printing it cannot change the cell.

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "api/kinds/printers.h"
#include "api/timestamp.h"

namespace printers_test {

inline nlohmann::json row(std::string_view group, std::string_view kind, const nlohmann::json& object) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& c : mk::api::printer_columns(group, kind)) cells.push_back(c.cell(object));
  return cells;
}

inline std::vector<std::string> column_names(std::string_view group, std::string_view kind) {
  std::vector<std::string> out;
  for (const auto& c : mk::api::printer_columns(group, kind)) out.push_back(c.name);
  return out;
}

inline std::vector<std::string> wide_column_names(std::string_view group, std::string_view kind) {
  std::vector<std::string> out;
  for (const auto& c : mk::api::printer_columns(group, kind)) {
    if (c.priority == 1) out.push_back(c.name);
  }
  return out;
}

// An RFC 3339 timestamp `d` before now.
inline std::string ago(std::chrono::seconds d) {
  return mk::api::format_time(std::chrono::system_clock::now() - d);
}

}  // namespace printers_test
