#pragma once
// Gives each Node a pod CIDR: the next free /24 of the cluster CIDR (10.42.0.0/16 by default),
// written to spec.podCIDR and spec.podCIDRs, never handed out twice while a node holds it.

#include <memory>
#include <string>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_node_ipam_controller(const std::string& cluster_cidr, int node_prefix = 24);

}  // namespace mk::controllers
