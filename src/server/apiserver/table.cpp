#include "server/apiserver/table.h"

#include <nlohmann/json.hpp>

namespace mk::apiserver {

using nlohmann::json;

bool wants_table(const std::string& accept) {
  // Each media range is comma-separated; parameters follow ';'.
  size_t start = 0;
  while (start <= accept.size()) {
    size_t comma = accept.find(',', start);
    std::string range = accept.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (range.find("as=Table") != std::string::npos && range.find("g=meta.k8s.io") != std::string::npos &&
        range.find("application/json") != std::string::npos)
      return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

json to_table(const api::KindInfo& kind, const json& items, const json& list_meta, IncludeObject include,
              bool with_columns) {
  json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", list_meta}};
  if (with_columns) {
    json cols = json::array();
    for (const auto& c : kind.columns) {
      cols.push_back({{"name", c.name}, {"type", c.type}, {"format", c.format}, {"description", c.description},
                      {"priority", c.priority}});
    }
    table["columnDefinitions"] = std::move(cols);
  }
  json rows = json::array();
  for (const auto& item : items) {
    json cells = json::array();
    for (const auto& c : kind.columns) {
      json v;
      try {
        v = c.cell(item);
      } catch (const std::exception&) {
        v = "";  // a malformed object prints an empty cell rather than failing the listing
      }
      cells.push_back(std::move(v));
    }
    json row = {{"cells", std::move(cells)}};
    if (include == IncludeObject::object) {
      row["object"] = item;
    } else if (include == IncludeObject::metadata) {
      json meta = item.contains("metadata") ? item["metadata"] : json::object();
      meta.erase("managedFields");
      row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(meta)}};
    }
    rows.push_back(std::move(row));
  }
  table["rows"] = std::move(rows);
  return table;
}

}  // namespace mk::apiserver
