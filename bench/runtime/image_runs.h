#pragma once
// Importing and pulling the big image (image_layout.h) with the minikube CLI, each time into an
// empty data dir: `image import` of an oci-archive made by skopeo, and `image pull` from a local
// docker-registry the image was pushed to with skopeo.

#include <string>

#include "options.h"
#include "report.h"

namespace mk::rtbench {

// Fills results.image_import, image_pull, image_bytes, or image_error.
void run_image_measurements(const Options& options, const Plan& plan, const std::string& work,
                            const std::string& rootfs, Results& results);

}  // namespace mk::rtbench
