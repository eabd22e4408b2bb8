#pragma once
// The column sets of each kind with a printer of its own, one function per kind, grouped in
// files by API area. printers.cpp maps (group, kind) to these.

#include <vector>

#include "api/kinds/kind_info.h"

namespace mk::api::printers {

// core/v1 workloads and nodes (printers_pod.cpp, printers_node.cpp)
std::vector<PrinterColumn> pod_columns();
std::vector<PrinterColumn> node_columns();

// core/v1 configuration (printers_config.cpp)
std::vector<PrinterColumn> namespace_columns();
std::vector<PrinterColumn> config_map_columns();
std::vector<PrinterColumn> secret_columns();
std::vector<PrinterColumn> service_account_columns();

// core/v1 and discovery.k8s.io/v1 service routing (printers_service.cpp)
std::vector<PrinterColumn> service_columns();
std::vector<PrinterColumn> endpoints_columns();
std::vector<PrinterColumn> endpoint_slice_columns();

// core/v1 events (printers_event.cpp)
std::vector<PrinterColumn> event_columns();

// core/v1 volumes and storage.k8s.io/v1 (printers_storage.cpp)
std::vector<PrinterColumn> persistent_volume_columns();
std::vector<PrinterColumn> persistent_volume_claim_columns();
std::vector<PrinterColumn> storage_class_columns();

// apps/v1 (printers_apps.cpp)
std::vector<PrinterColumn> deployment_columns();
std::vector<PrinterColumn> replica_set_columns();
std::vector<PrinterColumn> daemon_set_columns();
std::vector<PrinterColumn> stateful_set_columns();
std::vector<PrinterColumn> controller_revision_columns();

// batch/v1 (printers_batch.cpp)
std::vector<PrinterColumn> job_columns();
std::vector<PrinterColumn> cron_job_columns();

// networking.k8s.io/v1 (printers_networking.cpp)
std::vector<PrinterColumn> ingress_columns();
std::vector<PrinterColumn> ingress_class_columns();
std::vector<PrinterColumn> network_policy_columns();

// Quotas, disruption budgets, priorities and leases (printers_policy.cpp)
std::vector<PrinterColumn> resource_quota_columns();
std::vector<PrinterColumn> pod_disruption_budget_columns();
std::vector<PrinterColumn> priority_class_columns();
std::vector<PrinterColumn> lease_columns();

// rbac.authorization.k8s.io/v1 bindings (printers_rbac.cpp)
std::vector<PrinterColumn> role_binding_columns();

}  // namespace mk::api::printers
