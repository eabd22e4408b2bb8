#pragma once
// The podman side: Debian's podman with runc on a temporary storage root, runroot and tmpdir,
// the test image loaded from an oci-archive, and one `podman kube play` per pod, each timed
// from the command's start to its exit (it returns once the pod's container runs). Everything
// is removed before this returns, on failure too.

#include <string>

#include "options.h"
#include "results.h"
#include "test_image.h"

namespace mk::podbench {

PodmanResults run_podman_side(const Options& options, const Plan& plan, const std::string& work,
                              const TestImage& image);

}  // namespace mk::podbench
