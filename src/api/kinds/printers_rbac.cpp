// RoleBinding and ClusterRoleBinding columns (the two print alike).
#include <nlohmann/json.hpp>

#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// The subjects of one kind, ", "-joined; service accounts as "namespace/name".
Cell subjects(std::string kind) {
  return [kind = std::move(kind)](const nlohmann::json& o) -> nlohmann::json {
    std::vector<std::string> names;
    for (const auto& s : array_at(o, "subjects")) {
      if (text_at(s, "kind") != kind) continue;
      if (kind == "ServiceAccount") {
        names.push_back(text_at(s, "namespace") + "/" + text_at(s, "name"));
      } else {
        names.push_back(text_at(s, "name"));
      }
    }
    return join(names, ", ");
  };
}

}  // namespace

std::vector<PrinterColumn> role_binding_columns() {
  return {
      name_column(),
      column("Role", "string", "The role granted, as Kind/name.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return text_at(o, "roleRef.kind") + "/" + text_at(o, "roleRef.name");
             }),
      age_column(),
      wide_column("Users", "string", "The users bound.", subjects("User")),
      wide_column("Groups", "string", "The groups bound.", subjects("Group")),
      wide_column("ServiceAccounts", "string", "The service accounts bound.", subjects("ServiceAccount")),
  };
}

}  // namespace mk::api::printers
