#pragma once
// An OCI bundle for runc and crun: `runc spec`'s config.json, edited to run `args` on the
// shared busybox root (read-write, no terminal, new pid/ipc/uts/mount/network namespaces).

#include <string>
#include <vector>

#include "common/error.h"

namespace mk::rtbench {

// Writes <bundle>/config.json. `rootfs` is absolute; runc spec's output goes to log_path.
Status write_oci_bundle(const std::string& runc, const std::string& bundle, const std::string& rootfs,
                        const std::vector<std::string>& args, const std::string& log_path);

}  // namespace mk::rtbench
