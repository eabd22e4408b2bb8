#include "server/scheduler/scores.h"

#include <algorithm>
#include <cmath>

namespace mk::scheduler {

namespace {

constexpr int64_t kMaxScore = 100;
constexpr int64_t kTaintWeight = 3;

int64_t free_share(int64_t requested, int64_t capacity) {
  if (capacity <= 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxScore / capacity;
}

double used_fraction(int64_t requested, int64_t capacity) {
  if (capacity <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(requested) / static_cast<double>(capacity));
}

}  // namespace

int64_t least_allocated_score(const PodInfo& pod, const NodeInfo& node) {
  int64_t cpu = free_share(node.score_milli_cpu + pod.score_milli_cpu, node.allocatable.milli_cpu);
  int64_t mem = free_share(node.score_memory + pod.score_memory, node.allocatable.memory);
  return (cpu + mem) / 2;
}

int64_t balanced_allocation_score(const PodInfo& pod, const NodeInfo& node) {
  double cpu = used_fraction(node.requested.milli_cpu + pod.requests.milli_cpu, node.allocatable.milli_cpu);
  double mem = used_fraction(node.requested.memory + pod.requests.memory, node.allocatable.memory);
  double std_dev = std::fabs(cpu - mem) / 2;
  return static_cast<int64_t>((1 - std_dev) * static_cast<double>(kMaxScore));
}

int64_t intolerable_prefer_no_schedule(const PodInfo& pod, const NodeInfo& node) {
  int64_t n = 0;
  for (const auto& t : node.taints) {
    if (t.effect != "PreferNoSchedule") continue;
    bool tolerated = false;
    for (const auto& tol : pod.tolerations)
      if ((tol.effect.empty() || tol.effect == "PreferNoSchedule") && tol.tolerates(t)) tolerated = true;
    if (!tolerated) ++n;
  }
  return n;
}

std::vector<NodeScore> score_nodes(const PodInfo& pod, const std::vector<const NodeInfo*>& candidates) {
  std::vector<int64_t> taints(candidates.size());
  int64_t max_taints = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    taints[i] = intolerable_prefer_no_schedule(pod, *candidates[i]);
    max_taints = std::max(max_taints, taints[i]);
  }
  std::vector<NodeScore> out;
  out.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    int64_t taint_score = max_taints == 0 ? kMaxScore : kMaxScore - taints[i] * kMaxScore / max_taints;
    int64_t s = least_allocated_score(pod, *candidates[i]) + balanced_allocation_score(pod, *candidates[i]) +
                kTaintWeight * taint_score;
    out.push_back({i, s});
  }
  return out;
}

}  // namespace mk::scheduler
