#pragma once
// Finding the executable the way Go's exec.LookPath does (what runc uses), with its messages:
//   exec: "nope": executable file not found in $PATH
//   exec: "/data": is a directory
// and execve failures worded as runc reports them ("exec /bin/x: exec format error").

#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::container {

// Looks `name` up in the current root: as given when it contains '/', else in the PATH of
// `env` (or the usual default PATH).
Result<std::string> look_path(const std::string& name, const std::vector<std::string>& env);

Error exec_error(const std::string& path, int err);

}  // namespace mk::runtime::container
