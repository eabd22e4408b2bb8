#pragma once
// Deletes core/v1 Events an hour after they last happened (kube-apiserver's --event-ttl, which
// etcd leases carry out upstream).

#include <chrono>
#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_event_ttl_controller(std::chrono::seconds ttl = std::chrono::hours(1),
                                                      std::chrono::seconds period = std::chrono::seconds(60));

}  // namespace mk::controllers
