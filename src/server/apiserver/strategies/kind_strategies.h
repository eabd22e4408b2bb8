#pragma once
// The strategies of individual kinds, one file each (RBAC roles and bindings pair the
// namespaced and cluster-wide kinds).

#include "server/apiserver/context.h"

namespace mk::apiserver {

// core/v1
KindStrategy namespace_strategy();
KindStrategy pod_strategy();
KindStrategy service_strategy();
KindStrategy configmap_strategy();
KindStrategy secret_strategy();
KindStrategy endpoints_strategy();
KindStrategy event_strategy();
KindStrategy node_strategy();
KindStrategy persistentvolume_strategy();
KindStrategy persistentvolumeclaim_strategy();
// apps/v1
KindStrategy deployment_strategy();
KindStrategy replicaset_strategy();
KindStrategy daemonset_strategy();
KindStrategy statefulset_strategy();
// batch/v1
KindStrategy job_strategy();
KindStrategy cronjob_strategy();
// other groups
KindStrategy endpointslice_strategy();
KindStrategy lease_strategy();
KindStrategy role_strategy();
KindStrategy cluster_role_strategy();
KindStrategy role_binding_strategy();
KindStrategy cluster_role_binding_strategy();
KindStrategy priorityclass_strategy();
KindStrategy storageclass_strategy();
KindStrategy ingress_strategy();
KindStrategy networkpolicy_strategy();
KindStrategy poddisruptionbudget_strategy();

}  // namespace mk::apiserver
