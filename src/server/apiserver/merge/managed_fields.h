#pragma once
// metadata.managedFields: which manager owns which fields, read from and written back to an object.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "server/apiserver/merge/field_set.h"

namespace mk::apiserver::merge {

inline constexpr const char* operation_apply = "Apply";
inline constexpr const char* operation_update = "Update";

struct ManagedEntry {
  std::string manager;
  std::string operation;    // operation_apply or operation_update
  std::string api_version;
  std::string time;         // RFC 3339
  std::string subresource;  // empty for the main resource
  FieldSet fields;

  // Whether this entry is the one `manager` records for an operation through `subresource`:
  // appliers have one entry whatever the API version; updaters one per API version.
  bool is(const std::string& manager, const std::string& operation, const std::string& api_version,
          const std::string& subresource) const;
};

// The object's entries; ones that cannot be read (wrong types, unknown fieldsType) are skipped,
// which leaves their fields unowned rather than failing the request.
std::vector<ManagedEntry> read_managed_fields(const nlohmann::json& object);
// Whether the object carries a non-empty managedFields list.
bool has_managed_fields(const nlohmann::json& object);
// Stores the entries in the order kube-apiserver keeps them (appliers first, then by time,
// manager, API version); entries owning nothing are dropped, and the key itself when none remain.
void write_managed_fields(nlohmann::json& object, std::vector<ManagedEntry> entries);

}  // namespace mk::apiserver::merge
