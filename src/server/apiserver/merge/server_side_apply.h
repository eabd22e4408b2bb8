#pragma once
// Server-side apply (PATCH with Content-Type application/apply-patch+yaml) and the field ownership
// bookkeeping in metadata.managedFields that ordinary writes keep up to date as well.

// ApplyResult holds an object by value, which needs the complete JSON type.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "api/schema/schema.h"
#include "common/error.h"
#include "server/apiserver/merge/conflict.h"

namespace mk::apiserver {

struct ApplyResult {
  nlohmann::json object;            // the object to store (unchanged live object when there are conflicts)
  std::vector<Conflict> conflicts;  // non-empty: nothing may be stored; answer 409 with conflict_message()
};

// Applies the configuration `applied` (the request body, a JSON object of `type`) for `manager`.
// `live` is nullptr when the object does not exist yet (apply creates it). The result carries the
// merged object with its managedFields: the manager's Apply entry lists exactly the fields
// `applied` sets; fields it applied before and no longer does are removed unless another manager
// owns them too. Changing a field another manager owns is a conflict unless `force`, which takes
// the field over. `api_version` is the request's group/version ("apps/v1"), `now_rfc3339` the time
// recorded; `subresource` ("status", "scale") is set when the request went through one. The caller
// still defaults, validates and keeps server-owned fields afterwards.
// Errc::invalid_argument when `applied` is not an object or a keyed-list item lacks its keys.
Result<ApplyResult> server_side_apply(const api::schema::TypeDef& type, const nlohmann::json* live,
                                      const nlohmann::json& applied, const std::string& manager, bool force,
                                      const std::string& api_version, const std::string& now_rfc3339,
                                      const std::string& subresource = "");

// Records an ordinary write (create, update, patch) by `manager` (the request's fieldManager):
// returns `updated` with managedFields where `manager`'s Update entry gains the fields that changed
// from `old` (nullptr on create) and every other manager loses them. managedFields given in
// `updated` are taken as the starting point; absent, `old`'s are; an explicitly empty list clears
// them and nothing is recorded. `subresource` as for server_side_apply.
Result<nlohmann::json> update_managed_fields(const api::schema::TypeDef& type, const nlohmann::json* old,
                                             const nlohmann::json& updated, const std::string& manager,
                                             const std::string& api_version, const std::string& now_rfc3339,
                                             const std::string& subresource = "");

}  // namespace mk::apiserver
