#pragma once
// Resolving the process user ("uid", "uid:gid", "name", "name:group") against a container's
// /etc/passwd and /etc/group, as runc's user package does.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace mk::runtime::container {

struct Identity {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary
  std::string home = "/";
};

// `passwd`/`group` are the files' contents (empty when missing). Numeric ids need neither; a
// uid missing from passwd runs with gid 0.
Result<Identity> resolve_identity(std::string_view spec, std::string_view passwd, std::string_view group,
                                  const std::vector<uint32_t>& extra_groups);

// Reads /etc/passwd and /etc/group of the current root (the container's, after pivot_root).
Result<Identity> resolve_identity_in_root(std::string_view spec, const std::vector<uint32_t>& extra_groups);

}  // namespace mk::runtime::container
