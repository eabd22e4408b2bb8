#pragma once
// Namespace deletion: a namespace being deleted is emptied (every namespaced object in it
// deleted), then its "kubernetes" finalizer is removed and the namespace goes.

#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_namespace_controller();

}  // namespace mk::controllers
