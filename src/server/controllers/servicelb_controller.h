#pragma once
// ServiceLB, as k3s's: a Service of type LoadBalancer (without a loadBalancerClass) is served on
// the nodes themselves, and its status.loadBalancer.ingress lists their addresses. k3s runs a
// svclb DaemonSet whose pods forward node ports to the service; here every agent's service
// proxy programs the ingress IPs directly, so the controller only computes the status:
// the Ready nodes' ExternalIPs, or their InternalIPs when none has one, sorted; with
// externalTrafficPolicy Local only the nodes with a ready endpoint. Nodes labelled
// svccontroller.k3s.cattle.io/enablelb restrict the set as in k3s (and the Service label
// svccontroller.k3s.cattle.io/lbpool to nodes of that pool).

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <vector>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_servicelb_controller();

// status.loadBalancer.ingress for `service` ([] when it is not a LoadBalancer we serve).
nlohmann::json servicelb_ingress(const nlohmann::json& service, const std::vector<nlohmann::json>& nodes,
                                 const std::vector<nlohmann::json>& slices);

}  // namespace mk::controllers
