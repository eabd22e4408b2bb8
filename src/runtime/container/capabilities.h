#pragma once
// Linux capabilities by name, the container's set (Kubernetes' defaults with add/drop), and
// applying it with prctl/capset in the container's first process.

#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "runtime/container/container.h"

namespace mk::runtime::container {

// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).
int last_capability();

// "NET_ADMIN" or "CAP_NET_ADMIN" -> its number.
Result<int> capability_number(std::string_view name);
// "CAP_NET_ADMIN", or "" for a number this code does not know.
std::string_view capability_name(int cap);

// The 14 capabilities containerd and Docker grant by default.
uint64_t default_capabilities();

// The set the process runs with: all capabilities when privileged, else the defaults with
// add/drop applied as the CRI plugin does ("ALL" first, then the named ones).
Result<uint64_t> capability_set(const Process& process, int last_cap);

// Child side, before changing ids: drops every capability not in `set` from the bounding set.
Status drop_bounding_set(uint64_t set, int last_cap);
// Child side, after changing ids: effective = permitted = `set`, inheritable and ambient empty.
Status set_process_capabilities(uint64_t set);

}  // namespace mk::runtime::container
