// Kubernetes' default masked and read-only paths (pkg/securitycontext/util.go, kept in sync
// with moby): kernel information a container should neither read nor change.

#include "runtime/container/container.h"

namespace mk::runtime::container {

const std::vector<std::string>& default_masked_paths() {
  static const std::vector<std::string> paths = {
      "/proc/asound",      "/proc/acpi",        "/proc/kcore",        "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",        "/sys/firmware",     "/sys/devices/virtual/powercap",
  };
  return paths;
}

const std::vector<std::string>& default_readonly_paths() {
  static const std::vector<std::string> paths = {
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
  };
  return paths;
}

}  // namespace mk::runtime::container
