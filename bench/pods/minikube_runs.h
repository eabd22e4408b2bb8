#pragma once
// The minikube side: `minikube server` with its in-process agent on a temporary data dir with
// the test image as an airgap tarball; pods created one after another over HTTPS, each timed
// until a watch shows it Running; memory idle and with the pods running; CPU of the idle pods.
// The server is stopped and every pod removed before this returns, on failure too.

#include <string>

#include "options.h"
#include "results.h"
#include "test_image.h"

namespace mk::podbench {

MinikubeResults run_minikube_side(const Options& options, const Plan& plan, const std::string& work,
                                  const TestImage& image);

}  // namespace mk::podbench
