// Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision columns.
#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// spec.replicas; a workload written without it decodes with one replica upstream.
int64_t desired_replicas(const nlohmann::json& o) {
  const nlohmann::json* v = find_path(o, "spec.replicas");
  return v != nullptr && v->is_number() ? int_at(o, "spec.replicas") : 1;
}

Cell integer(std::string path) {
  return [path = std::move(path)](const nlohmann::json& o) -> nlohmann::json { return int_at(o, path); };
}

// "ready/desired".
nlohmann::json ready_of_desired(const nlohmann::json& o) {
  return std::to_string(int_at(o, "status.readyReplicas")) + "/" + std::to_string(desired_replicas(o));
}

PrinterColumn containers_column() {
  return wide_column("Containers", "string", "The names of the template's containers.",
                     [](const nlohmann::json& o) -> nlohmann::json {
                       return container_cells(array_at(o, "spec.template.spec.containers")).first;
                     });
}

PrinterColumn images_column() {
  return wide_column("Images", "string", "The images of the template's containers.",
                     [](const nlohmann::json& o) -> nlohmann::json {
                       return container_cells(array_at(o, "spec.template.spec.containers")).second;
                     });
}

PrinterColumn selector_column() {
  return wide_column("Selector", "string", "The label query selecting the pods the object manages.",
                     [](const nlohmann::json& o) -> nlohmann::json {
                       const nlohmann::json* s = find_path(o, "spec.selector");
                       return format_label_selector(s != nullptr ? *s : nlohmann::json());
                     });
}

// "daemonset.apps/web" for the owner marked as controller, "<none>" without one.
nlohmann::json controller_cell(const nlohmann::json& o) {
  for (const auto& ref : array_at(o, "metadata.ownerReferences")) {
    if (!bool_at(ref, "controller")) continue;
    const std::string api_version = text_at(ref, "apiVersion");
    const std::string kind = text_at(ref, "kind");
    // The group is what precedes the one slash of "group/version"; "v1" has none.
    std::string group;
    if (auto slash = api_version.find('/'); slash != std::string::npos) group = api_version.substr(0, slash);
    const std::string name = text_at(ref, "name");
    if (group.empty() && kind.empty()) return name;
    return to_lower(group.empty() ? kind : kind + "." + group) + "/" + name;
  }
  return "<none>";
}

}  // namespace

std::vector<PrinterColumn> deployment_columns() {
  return {
      name_column(),
      column("Ready", "string", "Ready pods out of the desired replicas.", ready_of_desired),
      column("Up-to-date", "string", "Pods running the latest template.", integer("status.updatedReplicas")),
      column("Available", "string", "Pods ready for at least minReadySeconds.",
             integer("status.availableReplicas")),
      age_column(),
      containers_column(),
      images_column(),
      // Deployments print the bare selector: blank rather than "<none>" when it is empty.
      wide_column("Selector", "string", "The label query selecting the deployment's pods.",
                  [](const nlohmann::json& o) -> nlohmann::json {
                    const nlohmann::json* s = find_path(o, "spec.selector");
                    return selector_string(s != nullptr ? *s : nlohmann::json());
                  }),
  };
}

std::vector<PrinterColumn> replica_set_columns() {
  return {
      name_column(),
      column("Desired", "integer", "The replicas asked for.",
             [](const nlohmann::json& o) -> nlohmann::json { return desired_replicas(o); }),
      column("Current", "integer", "The replicas that exist.", integer("status.replicas")),
      column("Ready", "integer", "The replicas that are ready.", integer("status.readyReplicas")),
      age_column(),
      containers_column(),
      images_column(),
      selector_column(),
  };
}

std::vector<PrinterColumn> daemon_set_columns() {
  return {
      name_column(),
      column("Desired", "integer", "Nodes that should run the daemon pod.",
             integer("status.desiredNumberScheduled")),
      column("Current", "integer", "Nodes running the daemon pod.", integer("status.currentNumberScheduled")),
      column("Ready", "integer", "Nodes whose daemon pod is ready.", integer("status.numberReady")),
      column("Up-to-date", "integer", "Nodes running the latest template.",
             integer("status.updatedNumberScheduled")),
      column("Available", "integer", "Nodes whose daemon pod is available.",
             integer("status.numberAvailable")),
      column("Node Selector", "string", "The node labels the pods are restricted to.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return format_labels(object_at(o, "spec.template.spec.nodeSelector"));
             }),
      age_column(),
      containers_column(),
      images_column(),
      selector_column(),
  };
}

std::vector<PrinterColumn> stateful_set_columns() {
  return {
      name_column(),   column("Ready", "string", "Ready pods out of the desired replicas.", ready_of_desired),
      age_column(),    containers_column(),
      images_column(),
  };
}

std::vector<PrinterColumn> controller_revision_columns() {
  return {
      name_column(),
      column("Controller", "string", "The object that owns the revision.", controller_cell),
      column("Revision", "string", "The revision number.", integer("revision")),
      age_column(),
  };
}

}  // namespace mk::api::printers
