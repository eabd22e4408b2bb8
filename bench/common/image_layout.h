#pragma once
// A test image as an OCI layout: busybox, optionally with one more layer of random data (for a
// big image), gzip-compressed, written blob by blob (digests and diff ids computed here).

#include <cstddef>
#include <string>

#include "common/error.h"

namespace mk::bench {

// Writes the layout at `layout` from `rootfs` and, when `random_mib` > 0, a layer of that many
// MiB of random data. `ref_name` is its org.opencontainers.image.ref.name ("big", or a whole
// reference such as "bench.local/pods:1", which importers take as the image name). `work`
// holds the intermediate tarballs and logs.
Status write_image_layout(const std::string& layout, const std::string& rootfs, size_t random_mib,
                          const std::string& ref_name, const std::string& work);

}  // namespace mk::bench
