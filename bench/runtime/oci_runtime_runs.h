#pragma once
// crun and runc on the same bundle: `run` to exit, and `run -d` until the container's process
// is running (its pid file is written and /proc/<pid>/comm is the entrypoint's), each container
// then deleted with `delete --force`.

#include <string>

#include "options.h"
#include "series.h"

namespace mk::rtbench {

struct OciRuntimeSide {
  std::string runtime;     // absolute path
  std::string work;        // pid files and logs go here
  std::string id_prefix;   // container ids are <prefix>-<n>, unique to this run
};

// Start-to-exit of the bundle's process (`run --bundle B id`).
Series time_oci_run_to_exit(const OciRuntimeSide& side, const std::string& bundle, const Plan& plan);
// Start-to-running of a long-running process (`run -d --pid-file F --bundle B id`).
Series time_oci_run_detached(const OciRuntimeSide& side, const std::string& bundle, const std::string& comm,
                             const Plan& plan);

}  // namespace mk::rtbench
