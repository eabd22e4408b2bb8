#pragma once
// The scheduler's scores, each 0..100 for one node (higher is better), as upstream's
// NodeResourcesFit (LeastAllocated), NodeResourcesBalancedAllocation and TaintToleration.

#include <cstdint>
#include <vector>

#include "server/scheduler/types.h"

namespace mk::scheduler {

// Mean over cpu and memory of the share left free once the pod is placed.
int64_t least_allocated_score(const PodInfo& pod, const NodeInfo& node);
// 100 × (1 − |cpu share − memory share| / 2) once the pod is placed: favours even use.
int64_t balanced_allocation_score(const PodInfo& pod, const NodeInfo& node);
// PreferNoSchedule taints the pod does not tolerate (scored in reverse after normalising).
int64_t intolerable_prefer_no_schedule(const PodInfo& pod, const NodeInfo& node);

struct NodeScore {
  size_t node = 0;  // index into the candidate list
  int64_t score = 0;
};

// Weighted sum for every candidate (taint toleration normalised across the candidates).
std::vector<NodeScore> score_nodes(const PodInfo& pod, const std::vector<const NodeInfo*>& candidates);

}  // namespace mk::scheduler
