#pragma once
// The root filesystem every runtime in the benchmark starts: busybox-static and a few applets.

#include <string>

#include "common/error.h"

namespace mk::bench {

// Creates `root` with bin/busybox (copied from `busybox`), sh/true/sleep links and /etc files.
Status make_busybox_rootfs(const std::string& root, const std::string& busybox = "/bin/busybox");

}  // namespace mk::bench
