#pragma once
// The image every pod of both sides runs: busybox-static in one layer, as an OCI layout, then as
// a tar of that layout (what the agent imports from <data-dir>/agent/images at start) and as an
// oci-archive (what `podman load` reads).

#include <string>

#include "common/error.h"

namespace mk::podbench {

// A full reference, so both sides name it alike and neither tries a registry for it.
inline constexpr const char* kImage = "bench.local/pods-bench:1";

struct TestImage {
  std::string layout;       // OCI layout directory
  std::string oci_archive;  // for podman
};

// Builds the image under `work`.
Result<TestImage> build_test_image(const std::string& work);

// Writes the layout as a tarball into `images_dir` (created if needed).
Status write_airgap_tarball(const TestImage& image, const std::string& images_dir, const std::string& work);

}  // namespace mk::podbench
