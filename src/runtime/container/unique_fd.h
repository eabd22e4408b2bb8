#pragma once
// The runtime's owned file descriptor is the project's one (common/unique_fd.h).

#include "common/unique_fd.h"

namespace mk::runtime::container {

using Fd = mk::UniqueFd;

}  // namespace mk::runtime::container
