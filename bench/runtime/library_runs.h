#pragma once
// Our side through the library: runtime::container::start with the namespaces the OCI bundle
// asks for (pid, ipc, uts, network; a mount namespace is always made), on the same root.

#include <string>

#include "options.h"
#include "series.h"

namespace mk::rtbench {

// Start-to-exit of /bin/true: from start() to the reaping of the container's process.
Series time_library_true(const std::string& rootfs, bool seccomp_default, const Plan& plan);
// Start-to-running of `sleep`: start() returns once the entrypoint has been exec'd. The process
// is then killed and reaped (untimed).
Series time_library_sleep(const std::string& rootfs, const Plan& plan);

}  // namespace mk::rtbench
