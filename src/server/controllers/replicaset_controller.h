#pragma once
// ReplicaSets: creates and deletes pods to match spec.replicas (named <rs>-<5 random
// characters>, controlled by the ReplicaSet), adopts orphan pods its selector matches, and
// reports replicas, fullyLabeledReplicas, readyReplicas and availableReplicas.

#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_replicaset_controller();

}  // namespace mk::controllers
