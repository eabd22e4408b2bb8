#pragma once
// The container's mount namespace: root filesystem, /proc, /dev, /sys, the configured mounts,
// masked and read-only paths, pivot_root. Runs in the container's first process, inside its new
// mount (and pid) namespace, before it changes identity.

#include "common/error.h"
#include "runtime/container/container.h"

namespace mk::runtime::container {

struct RootfsOptions {
  bool own_net_namespace = false;  // sysfs can be mounted; otherwise the host's /sys is bound
  bool terminal = false;           // fd 0 is the pty secondary: bind it to /dev/console
};

Status setup_rootfs(const Config& config, const RootfsOptions& options);

}  // namespace mk::runtime::container
