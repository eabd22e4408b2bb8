#pragma once
// Endpoints for Services with a selector: the IPs of the pods selected, ready ones under
// addresses and the rest under notReadyAddresses, grouped into subsets by the ports they serve.
// EndpointSlices for the same Services come from make_endpointslice_controller().

#include <memory>

#include "server/controllers/controller.h"

namespace mk::controllers {

std::unique_ptr<Controller> make_endpoints_controller();
std::unique_ptr<Controller> make_endpointslice_controller();

}  // namespace mk::controllers
