#pragma once
// The message of a FailedScheduling event and of the PodScheduled=False condition, as
// upstream's FitError prints it:
//   0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {a: b}.
//   preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod,
//   2 Preemption is not helpful for scheduling.

#include <string>
#include <vector>

namespace mk::scheduler {

// `reasons[i]` is what the filters said of node i.
std::string fit_error_message(const std::vector<std::vector<std::string>>& reasons);

}  // namespace mk::scheduler
