#include "server/apiserver/strategies.h"

#include <nlohmann/json.hpp>

#include <map>

#include "server/apiserver/strategies/kind_strategies.h"

namespace mk::apiserver {

const KindStrategy* strategy_for(const api::KindInfo& kind) {
  static const std::map<std::string, KindStrategy> table = [] {
    std::map<std::string, KindStrategy> t;
    t["/Namespace"] = namespace_strategy();
    t["/Pod"] = pod_strategy();
    t["/Service"] = service_strategy();
    t["/ConfigMap"] = configmap_strategy();
    t["/Secret"] = secret_strategy();
    t["/Endpoints"] = endpoints_strategy();
    t["/Event"] = event_strategy();
    t["/Node"] = node_strategy();
    t["/PersistentVolume"] = persistentvolume_strategy();
    t["/PersistentVolumeClaim"] = persistentvolumeclaim_strategy();
    t["apps/Deployment"] = deployment_strategy();
    t["apps/ReplicaSet"] = replicaset_strategy();
    t["apps/DaemonSet"] = daemonset_strategy();
    t["apps/StatefulSet"] = statefulset_strategy();
    t["batch/Job"] = job_strategy();
    t["batch/CronJob"] = cronjob_strategy();
    t["discovery.k8s.io/EndpointSlice"] = endpointslice_strategy();
    t["coordination.k8s.io/Lease"] = lease_strategy();
    t["rbac.authorization.k8s.io/Role"] = role_strategy();
    t["rbac.authorization.k8s.io/ClusterRole"] = cluster_role_strategy();
    t["rbac.authorization.k8s.io/RoleBinding"] = role_binding_strategy();
    t["rbac.authorization.k8s.io/ClusterRoleBinding"] = cluster_role_binding_strategy();
    t["scheduling.k8s.io/PriorityClass"] = priorityclass_strategy();
    t["storage.k8s.io/StorageClass"] = storageclass_strategy();
    t["networking.k8s.io/Ingress"] = ingress_strategy();
    t["networking.k8s.io/NetworkPolicy"] = networkpolicy_strategy();
    t["policy/PodDisruptionBudget"] = poddisruptionbudget_strategy();
    return t;
  }();
  auto it = table.find(kind.group + "/" + kind.kind);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace mk::apiserver
