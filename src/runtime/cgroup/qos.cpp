#include "runtime/cgroup/qos.h"

#include <algorithm>

namespace mk::runtime::cgroup {
namespace {

constexpr int kGuaranteedOomScoreAdj = -997;
constexpr int kBestEffortOomScoreAdj = 1000;

int64_t given(const std::optional<int64_t>& v) { return v && *v > 0 ? *v : 0; }

}  // namespace

QosClass qos_class(const std::vector<ContainerRequests>& containers) {
  int64_t cpu_requests = 0, cpu_limits = 0, memory_requests = 0, memory_limits = 0;
  bool anything = false;
  bool all_limited = !containers.empty();
  for (const auto& c : containers) {
    const int64_t cpu_limit = given(c.cpu_limit_milli), memory_limit = given(c.memory_limit);
    // An unset request is defaulted to the limit by the API server; do the same here.
    const int64_t cpu_request = c.cpu_request_milli ? given(c.cpu_request_milli) : cpu_limit;
    const int64_t memory_request = c.memory_request ? given(c.memory_request) : memory_limit;
    anything = anything || cpu_limit || memory_limit || cpu_request || memory_request;
    all_limited = all_limited && cpu_limit > 0 && memory_limit > 0;
    cpu_requests += cpu_request;
    cpu_limits += cpu_limit;
    memory_requests += memory_request;
    memory_limits += memory_limit;
  }
  if (!anything) return QosClass::best_effort;
  if (all_limited && cpu_requests == cpu_limits && memory_requests == memory_limits) return QosClass::guaranteed;
  return QosClass::burstable;
}

const char* qos_class_name(QosClass qos) {
  switch (qos) {
    case QosClass::guaranteed: return "Guaranteed";
    case QosClass::burstable: return "Burstable";
    case QosClass::best_effort: return "BestEffort";
  }
  return "BestEffort";
}

std::string pod_cgroup_path(QosClass qos, const std::string& pod_uid) {
  switch (qos) {
    case QosClass::guaranteed: return "kubepods/pod" + pod_uid;
    case QosClass::burstable: return "kubepods/burstable/pod" + pod_uid;
    case QosClass::best_effort: return "kubepods/besteffort/pod" + pod_uid;
  }
  return "kubepods/besteffort/pod" + pod_uid;
}

int oom_score_adj(QosClass qos, int64_t memory_request, int64_t machine_memory) {
  if (qos == QosClass::guaranteed) return kGuaranteedOomScoreAdj;
  if (qos == QosClass::best_effort) return kBestEffortOomScoreAdj;
  const int lowest = 1000 + kGuaranteedOomScoreAdj;  // burstable stays above guaranteed
  const int highest = kBestEffortOomScoreAdj - 1;     // and below best effort
  if (machine_memory <= 0) return highest;
  // Wide arithmetic: 1000 * request overflows 64 bits for requests above 9 PB.
  __extension__ using Wide = __int128;
  const int64_t request = std::clamp<int64_t>(memory_request, 0, machine_memory);
  const auto adj = static_cast<int64_t>(1000 - (Wide{1000} * request) / machine_memory);
  return static_cast<int>(std::clamp<int64_t>(adj, lowest, highest));
}

}  // namespace mk::runtime::cgroup
