#pragma once
// The garbage collector: deletes objects whose owners (metadata.ownerReferences) are gone,
// and carries out the two deletion modes that wait for it, as upstream's does:
//  - "foregroundDeletion": the owner's dependents are deleted first, then the finalizer is
//    removed once no dependent with blockOwnerDeletion is left;
//  - "orphan": the dependents lose their reference to the owner, then the finalizer goes.

#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_garbage_collector();

}  // namespace mk::controllers
