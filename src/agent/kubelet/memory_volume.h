#pragma once
// emptyDir volumes with medium Memory: a tmpfs mounted on the node at the volume's directory
// (sized by sizeLimit) and bind-mounted into the containers like any host directory, so all
// containers of the pod share it. Unmounted when the pod's inputs are cleaned up.

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"

namespace mk::agent::kubelet {

// Mounts a tmpfs at `dir` (created) unless one is mounted there already.
Status ensure_tmpfs(const std::string& dir, std::optional<int64_t> size_bytes);

// Unmounts (lazily) every mount at or below `dir`, deepest first.
Status unmount_under(const std::string& dir);

}  // namespace mk::agent::kubelet
