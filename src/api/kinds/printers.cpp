#include "api/kinds/printers.h"

#include <string>
#include <utility>

#include "api/kinds/printers_kinds.h"

namespace mk::api {
namespace {

using ColumnsFn = std::vector<PrinterColumn> (*)();

struct Entry {
  std::string_view group;
  std::string_view kind;
  ColumnsFn columns;
};

// Role, ClusterRole, LimitRange and CustomResourceDefinition have no printer upstream either:
// they get the default Name / Created At columns.
constexpr Entry kPrinters[] = {
    {"", "Pod", printers::pod_columns},
    {"", "Node", printers::node_columns},
    {"", "Namespace", printers::namespace_columns},
    {"", "Service", printers::service_columns},
    {"", "Endpoints", printers::endpoints_columns},
    {"", "ConfigMap", printers::config_map_columns},
    {"", "Secret", printers::secret_columns},
    {"", "ServiceAccount", printers::service_account_columns},
    {"", "Event", printers::event_columns},
    {"", "ResourceQuota", printers::resource_quota_columns},
    {"", "PersistentVolume", printers::persistent_volume_columns},
    {"", "PersistentVolumeClaim", printers::persistent_volume_claim_columns},
    {"apps", "Deployment", printers::deployment_columns},
    {"apps", "ReplicaSet", printers::replica_set_columns},
    {"apps", "DaemonSet", printers::daemon_set_columns},
    {"apps", "StatefulSet", printers::stateful_set_columns},
    {"apps", "ControllerRevision", printers::controller_revision_columns},
    {"batch", "Job", printers::job_columns},
    {"batch", "CronJob", printers::cron_job_columns},
    {"coordination.k8s.io", "Lease", printers::lease_columns},
    {"discovery.k8s.io", "EndpointSlice", printers::endpoint_slice_columns},
    {"rbac.authorization.k8s.io", "RoleBinding", printers::role_binding_columns},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding", printers::role_binding_columns},
    {"storage.k8s.io", "StorageClass", printers::storage_class_columns},
    {"networking.k8s.io", "Ingress", printers::ingress_columns},
    {"networking.k8s.io", "IngressClass", printers::ingress_class_columns},
    {"networking.k8s.io", "NetworkPolicy", printers::network_policy_columns},
    {"policy", "PodDisruptionBudget", printers::pod_disruption_budget_columns},
    {"scheduling.k8s.io", "PriorityClass", printers::priority_class_columns},
};

}  // namespace

std::vector<PrinterColumn> printer_columns(std::string_view group, std::string_view kind) {
  for (const auto& e : kPrinters) {
    if (e.group == group && e.kind == kind) return e.columns();
  }
  return {};
}

}  // namespace mk::api
