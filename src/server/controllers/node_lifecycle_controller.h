#pragma once
// Node health: a node whose Lease in kube-node-lease (or Ready heartbeat) has not been renewed
// for the grace period (40 s) gets Ready=Unknown and the node.kubernetes.io/unreachable
// NoSchedule and NoExecute taints (not-ready ones while Ready=False); pods on a node with a
// NoExecute taint are deleted once their toleration of it runs out (at once without one).

#include <chrono>
#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_node_lifecycle_controller(std::chrono::seconds grace = std::chrono::seconds(40),
                                                           std::chrono::milliseconds period = std::chrono::seconds(5));

}  // namespace mk::controllers
