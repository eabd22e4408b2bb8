#pragma once
// Objects every cluster has from its first start: the namespaces default, kube-system,
// kube-public and kube-node-lease, and the `kubernetes` service with its endpoints.

#include <string>

#include "common/error.h"

namespace mk::apiserver {

class Registry;

// Creates what is missing; leaves what exists. `address` is the API server's advertised IP.
Status bootstrap_cluster_objects(Registry& registry, const std::string& address, int port);

}  // namespace mk::apiserver
