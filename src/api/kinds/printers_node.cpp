// Node columns.
#include <nlohmann/json.hpp>

#include <set>

#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// "Ready" / "NotReady" from the Ready condition (any status but True is NotReady), "Unknown"
// without one, plus ",SchedulingDisabled" for a cordoned node.
nlohmann::json status_cell(const nlohmann::json& node) {
  const nlohmann::json* ready = nullptr;
  // Upstream keeps conditions in a map by type, so the last Ready condition wins.
  for (const auto& c : array_at(node, "status.conditions")) {
    if (text_at(c, "type") == "Ready") ready = &c;
  }
  std::string status = "Unknown";
  if (ready != nullptr) status = text_at(*ready, "status") == "True" ? "Ready" : "NotReady";
  if (bool_at(node, "spec.unschedulable")) status += ",SchedulingDisabled";
  return status;
}

// node-role.kubernetes.io/<role> labels and the kubernetes.io/role label's value, sorted.
nlohmann::json roles_cell(const nlohmann::json& node) {
  static constexpr std::string_view prefix = "node-role.kubernetes.io/";
  std::set<std::string> roles;
  for (const auto& [key, value] : object_at(node, "metadata.labels").items()) {
    if (key.rfind(prefix, 0) == 0) {
      if (key.size() > prefix.size()) roles.insert(key.substr(prefix.size()));
    } else if (key == "kubernetes.io/role" && value.is_string() && !value.get<std::string>().empty()) {
      roles.insert(value.get<std::string>());
    }
  }
  if (roles.empty()) return "<none>";
  return join({roles.begin(), roles.end()}, ",");
}

// The first address of the type, or "<none>".
Cell address_cell(std::string type) {
  return [type = std::move(type)](const nlohmann::json& node) -> nlohmann::json {
    for (const auto& a : array_at(node, "status.addresses")) {
      if (text_at(a, "type") == type) return text_at(a, "address");
    }
    return "<none>";
  };
}

Cell node_info_cell(std::string field) {
  return [path = "status.nodeInfo." + field](const nlohmann::json& node) -> nlohmann::json {
    return text_or(node, path, "<unknown>");
  };
}

}  // namespace

std::vector<PrinterColumn> node_columns() {
  return {
      name_column(),
      column("Status", "string", "Whether the node is ready, and whether it accepts new pods.", status_cell),
      column("Roles", "string", "The roles named by the node's role labels.", roles_cell),
      age_column(),
      column("Version", "string", "The kubelet version the node reports.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return text_at(o, "status.nodeInfo.kubeletVersion");
             }),
      wide_column("Internal-IP", "string", "The node's first internal address.", address_cell("InternalIP")),
      wide_column("External-IP", "string", "The node's first external address.", address_cell("ExternalIP")),
      wide_column("OS-Image", "string", "The operating system the node reports.", node_info_cell("osImage")),
      wide_column("Kernel-Version", "string", "The kernel version the node reports.",
                  node_info_cell("kernelVersion")),
      wide_column("Container-Runtime", "string", "The container runtime and version the node reports.",
                  node_info_cell("containerRuntimeVersion")),
  };
}

}  // namespace mk::api::printers
