#pragma once
// Makes sure every active namespace has its "default" ServiceAccount.

#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_serviceaccount_controller();

}  // namespace mk::controllers
