#pragma once
// The scheduler's filters: whether a pod may go on a node, and if not, why (upstream's
// reason strings, which the FailedScheduling message counts).

#include <string>
#include <vector>

#include "server/scheduler/types.h"

namespace mk::scheduler {

// NodeResourcesFit: "Too many pods", "Insufficient cpu", "Insufficient memory", ...
std::vector<std::string> fit_resources(const PodInfo& pod, const NodeInfo& node);
// NodeAffinity: spec.nodeSelector and required node affinity.
bool matches_node_selector(const PodInfo& pod, const NodeInfo& node);
bool matches_required_affinity(const PodInfo& pod, const NodeInfo& node);
// TaintToleration: the first NoSchedule or NoExecute taint the pod does not tolerate, if any.
const Taint* untolerated_taint(const std::vector<Toleration>& tolerations, const std::vector<Taint>& taints);
// NodeUnschedulable: spec.unschedulable, unless the pod tolerates node.kubernetes.io/unschedulable.
bool unschedulable_for(const PodInfo& pod, const NodeInfo& node);
// NodePorts: a host port the pod wants that a pod on the node already holds.
bool host_ports_conflict(const PodInfo& pod, const NodeInfo& node);

// Runs the filters in upstream's order; empty when the pod fits, else the failing filter's reasons.
std::vector<std::string> filter(const PodInfo& pod, const NodeInfo& node);

// True for reasons that removing other pods could cure (resources, pod count).
bool preemption_might_help(const std::string& reason);

extern const char* const kReasonUnschedulable;
extern const char* const kReasonAffinity;
extern const char* const kReasonPorts;

}  // namespace mk::scheduler
