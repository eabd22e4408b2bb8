#pragma once
// A big test image as an OCI layout: busybox plus one layer of random data, gzip-compressed,
// written blob by blob (digests and diff ids computed here), tagged "big".

#include <cstddef>
#include <string>

#include "common/error.h"

namespace mk::rtbench {

// Writes the layout at `layout` from `rootfs` and `mib` MiB of random data; `work` holds the
// intermediate tarballs and logs.
Status write_big_image_layout(const std::string& layout, const std::string& rootfs, size_t mib,
                              const std::string& work);

}  // namespace mk::rtbench
