// Namespace, ConfigMap, Secret and ServiceAccount columns.
#include <nlohmann/json.hpp>

#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {

std::vector<PrinterColumn> namespace_columns() {
  return {
      name_column(),
      // A namespace without a phase decodes as Active upstream.
      column("Status", "string", "The namespace's lifecycle phase.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_or(o, "status.phase", "Active"); }),
      age_column(),
  };
}

std::vector<PrinterColumn> config_map_columns() {
  return {
      name_column(),
      column("Data", "string", "How many keys the config map holds, text and binary.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return static_cast<int64_t>(object_at(o, "data").size() + object_at(o, "binaryData").size());
             }),
      age_column(),
  };
}

std::vector<PrinterColumn> secret_columns() {
  return {
      name_column(),
      // A secret without a type decodes as Opaque upstream.
      column("Type", "string", "What the secret holds, which decides the keys it must have.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_or(o, "type", "Opaque"); }),
      column("Data", "string", "How many keys the secret holds.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return static_cast<int64_t>(object_at(o, "data").size());
             }),
      age_column(),
  };
}

std::vector<PrinterColumn> service_account_columns() {
  return {
      name_column(),
      column("Secrets", "string", "How many secrets the service account lists.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return static_cast<int64_t>(array_at(o, "secrets").size());
             }),
      age_column(),
  };
}

}  // namespace mk::api::printers
