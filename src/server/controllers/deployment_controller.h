#pragma once
// Deployments: one ReplicaSet per pod template (<deployment>-<pod-template-hash>), rolled over
// by RollingUpdate (maxSurge/maxUnavailable) or Recreate, with revision annotations, paused
// deployments, revisionHistoryLimit cleanup and the status kubectl rollout status reads.

#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_deployment_controller();

}  // namespace mk::controllers
