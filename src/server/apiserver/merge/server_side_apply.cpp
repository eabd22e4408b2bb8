#include "server/apiserver/merge/server_side_apply.h"

#include <algorithm>
#include <tuple>

#include "server/apiserver/merge/apply_merge.h"
#include "server/apiserver/merge/field_paths.h"
#include "server/apiserver/merge/managed_fields.h"

namespace mk::apiserver {

using nlohmann::json;
using namespace merge;

namespace {

// The manager kube-apiserver credits with the fields of an object that has no ownership record
// when it is first applied to, so that apply reports conflicts instead of silently taking over.
constexpr const char* before_first_apply = "before-first-apply";

void erase_managed_fields(json& object) {
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
}

const json* given_managed_fields(const json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return nullptr;
  auto list = meta->find("managedFields");
  return (list == meta->end() || list->is_null()) ? nullptr : &*list;
}

}  // namespace

Result<ApplyResult> server_side_apply(const api::schema::TypeDef& type, const json* live, const json& applied,
                                      const std::string& manager, bool force, const std::string& api_version,
                                      const std::string& now_rfc3339, const std::string& subresource) {
  if (!applied.is_object())
    return make_error(Errc::invalid_argument, "server-side apply: the applied configuration must be a JSON object");
  if (manager.empty()) return make_error(Errc::invalid_argument, "server-side apply: a field manager is required");
  const Shape root = Shape::of_type(type);

  json config = without_nulls(applied);
  erase_managed_fields(config);
  auto config_fields = applied_fields(root, tracked_view(config));
  if (!config_fields) return config_fields.error();

  const bool exists = live && live->is_object();
  json base = exists ? *live : json::object();
  std::vector<ManagedEntry> entries = exists ? read_managed_fields(base) : std::vector<ManagedEntry>{};
  const bool tracked = exists && has_managed_fields(base);
  erase_managed_fields(base);
  if (exists && !tracked) {
    ManagedEntry prior{before_first_apply, operation_update, api_version, now_rfc3339, "", {}};
    prior.fields = compare_values(root, json::object(), tracked_view(base)).added;
    entries.push_back(std::move(prior));
  }

  json merged = apply_merge(root, &base, config);
  FieldChanges changes = compare_values(root, tracked_view(base), tracked_view(merged));
  const FieldSet changed = set_union(changes.added, changes.modified);

  std::vector<Conflict> conflicts;
  for (auto& e : entries) {
    if (e.is(manager, operation_apply, api_version, subresource)) continue;
    FieldSet clash = set_intersection(e.fields, changed);
    if (clash.empty()) continue;
    clash.for_each([&](const FieldPath& p) { conflicts.push_back({e.manager, e.operation, e.api_version, path_string(p)}); });
    if (force) e.fields = set_difference(e.fields, clash);
  }
  if (!conflicts.empty() && !force) {
    std::stable_sort(conflicts.begin(), conflicts.end(), [](const Conflict& a, const Conflict& b) {
      return std::tie(a.manager, a.operation, a.api_version) < std::tie(b.manager, b.operation, b.api_version);
    });
    return ApplyResult{exists ? *live : json::object(), std::move(conflicts)};
  }

  FieldSet previous;
  auto mine = std::find_if(entries.begin(), entries.end(),
                           [&](const ManagedEntry& e) { return e.is(manager, operation_apply, api_version, subresource); });
  if (mine == entries.end()) {
    entries.push_back({manager, operation_apply, api_version, now_rfc3339, subresource, *config_fields});
  } else {
    previous = std::move(mine->fields);
    if (previous != *config_fields || mine->api_version != api_version) mine->time = now_rfc3339;
    mine->fields = *config_fields;
    mine->api_version = api_version;
  }

  // Fields this manager applied last time and no longer does go away, unless some manager (this
  // one included, through a field below) still owns them.
  FieldSet owned;
  for (const auto& e : entries) owned = set_union(owned, e.fields);
  set_difference(previous, owned).for_each([&](const FieldPath& p) {
    const FieldSet* below = owned.find(p);
    if (below && !below->empty()) return;
    remove_field(root, merged, p);
  });

  write_managed_fields(merged, std::move(entries));
  return ApplyResult{std::move(merged), {}};
}

Result<json> update_managed_fields(const api::schema::TypeDef& type, const json* old, const json& updated,
                                   const std::string& manager, const std::string& api_version,
                                   const std::string& now_rfc3339, const std::string& subresource) {
  if (!updated.is_object()) return make_error(Errc::invalid_argument, "managed fields: the object must be a JSON object");
  const Shape root = Shape::of_type(type);
  json out = updated;

  std::vector<ManagedEntry> entries;
  if (const json* given = given_managed_fields(updated)) {
    // An explicitly empty list is how a client strips the ownership record.
    if (given->is_array() && given->empty()) {
      erase_managed_fields(out);
      return out;
    }
    entries = read_managed_fields(updated);
  } else if (old && old->is_object()) {
    entries = read_managed_fields(*old);
  }
  erase_managed_fields(out);

  FieldChanges changes =
      compare_values(root, (old && old->is_object()) ? tracked_view(*old) : json::object(), tracked_view(out));
  const FieldSet changed = set_union(changes.added, changes.modified);

  bool found = false;
  for (auto& e : entries) {
    if (e.is(manager, operation_update, api_version, subresource)) {
      found = true;
      FieldSet fields = set_difference(set_union(e.fields, changed), changes.removed);
      if (fields != e.fields) e.time = now_rfc3339;
      e.fields = std::move(fields);
      continue;
    }
    // An update takes over whatever it changes, and nobody owns what it removed.
    e.fields = set_difference(set_difference(e.fields, changed), changes.removed);
  }
  if (!found) entries.push_back({manager, operation_update, api_version, now_rfc3339, subresource, changed});

  write_managed_fields(out, std::move(entries));
  return out;
}

}  // namespace mk::apiserver
