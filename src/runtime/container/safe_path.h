#pragma once
// Resolving paths inside a container's root without leaving it: openat2(2) with
// RESOLVE_IN_ROOT treats every symlink as if the root were "/", so an image cannot redirect a
// mount onto the host (CVE-2021-30465, CVE-2024-45310); magic links (/proc/self/fd/...) are
// refused outright.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "runtime/container/unique_fd.h"

namespace mk::runtime::container {

// O_PATH fd of `path` inside `root_fd`. `no_symlinks` refuses any symlink on the way.
Result<Fd> open_in_root(int root_fd, std::string_view path, bool no_symlinks = false);

// Like open_in_root, creating what is missing: directories on the way, and the last component
// as a directory or an empty file.
Result<Fd> ensure_in_root(int root_fd, std::string_view path, bool directory, bool no_symlinks = false);

// "/proc/self/fd/<fd>": how mount(2) reaches an fd-resolved object.
std::string fd_path(int fd);

}  // namespace mk::runtime::container
