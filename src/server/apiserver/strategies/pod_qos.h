#pragma once
// A pod's quality of service class, which the API server records in status.qosClass when the
// pod is created.

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace mk::apiserver {

// ComputePodQOS over the containers and init containers: BestEffort without any cpu or memory
// request or limit, Guaranteed when every container limits both and the totals of requests
// equal those of limits, Burstable otherwise. A request left out counts as equal to its limit,
// as defaulting makes it.
std::string pod_qos_class(const nlohmann::json& spec);

}  // namespace mk::apiserver
