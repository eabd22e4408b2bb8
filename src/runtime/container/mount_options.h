#pragma once
// OCI-style mount options ("ro", "nosuid", "rbind", "rprivate", "size=64m") split into
// mount(2) flags, a propagation change and the filesystem's data string.

#include <string>
#include <vector>

namespace mk::runtime::container {

struct MountOptions {
  unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, ...
  unsigned long propagation = 0;  // MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE, maybe | MS_REC
  bool bind = false;
  bool recursive = false;         // rbind
  std::string data;               // what mount(2) passes to the filesystem
};

MountOptions parse_mount_options(const std::vector<std::string>& options);

}  // namespace mk::runtime::container
