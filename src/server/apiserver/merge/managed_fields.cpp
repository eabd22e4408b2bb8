#include "server/apiserver/merge/managed_fields.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

namespace mk::apiserver::merge {

using nlohmann::json;

namespace {

const json* managed_list(const json& object) {
  if (!object.is_object()) return nullptr;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto list = meta->find("managedFields");
  if (list == meta->end() || !list->is_array()) return nullptr;
  return &*list;
}

std::string string_member(const json& entry, const char* name) {
  auto it = entry.find(name);
  return (it != entry.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

}  // namespace

bool ManagedEntry::is(const std::string& m, const std::string& op, const std::string& version,
                      const std::string& sub) const {
  if (manager != m || operation != op || subresource != sub) return false;
  return op == operation_apply || api_version == version;
}

std::vector<ManagedEntry> read_managed_fields(const json& object) {
  std::vector<ManagedEntry> entries;
  const json* list = managed_list(object);
  if (!list) return entries;
  for (const auto& item : *list) {
    if (!item.is_object()) continue;
    ManagedEntry e;
    e.manager = string_member(item, "manager");
    e.operation = string_member(item, "operation");
    e.api_version = string_member(item, "apiVersion");
    e.time = string_member(item, "time");
    e.subresource = string_member(item, "subresource");
    std::string type = string_member(item, "fieldsType");
    if (e.operation != operation_apply && e.operation != operation_update) continue;
    if (!type.empty() && type != "FieldsV1") continue;
    auto fields = item.find("fieldsV1");
    if (fields != item.end()) {
      auto set = from_fields_v1(*fields);
      if (!set) continue;
      e.fields = std::move(*set);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

bool has_managed_fields(const json& object) {
  const json* list = managed_list(object);
  return list && !list->empty();
}

void write_managed_fields(json& object, std::vector<ManagedEntry> entries) {
  entries.erase(std::remove_if(entries.begin(), entries.end(), [](const ManagedEntry& e) { return e.fields.empty(); }),
                entries.end());
  std::stable_sort(entries.begin(), entries.end(), [](const ManagedEntry& a, const ManagedEntry& b) {
    return std::tie(a.operation, a.time, a.manager, a.api_version, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.api_version, b.subresource);
  });
  if (!object.is_object()) return;
  if (entries.empty()) {
    auto meta = object.find("metadata");
    if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
    return;
  }
  json list = json::array();
  for (const auto& e : entries) {
    json item = {{"manager", e.manager},       {"operation", e.operation},
                 {"apiVersion", e.api_version}, {"fieldsType", "FieldsV1"},
                 {"fieldsV1", to_fields_v1(e.fields)}};
    if (!e.time.empty()) item["time"] = e.time;
    if (!e.subresource.empty()) item["subresource"] = e.subresource;
    list.push_back(std::move(item));
  }
  json& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  meta["managedFields"] = std::move(list);
}

}  // namespace mk::apiserver::merge
