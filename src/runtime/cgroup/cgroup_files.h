#pragma once
// Reading and writing cgroupfs files (internal to the cgroup library). Everything takes full
// paths, so the same code runs against the real mounts and against a fake tree in a temp dir.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::cgroup::files {

bool exists(const std::string& path);
Result<std::string> read(const std::string& path);
// One write(2) of `value`, as cgroupfs takes each write as one command. The file must exist:
// cgroupfs creates its own files, so a missing one means a controller that is not there.
Status write(const std::string& path, const std::string& value);
// A file holding one unsigned number ("max" is not a number here).
Result<uint64_t> read_u64(const std::string& path);
// The value of `key` in a "key value" per line file (memory.stat, cpu.stat, memory.events, ...).
std::optional<uint64_t> read_key(const std::string& path, const std::string& key);
// The pids in a cgroup.procs file (an unreadable file gives none).
std::vector<pid_t> read_procs(const std::string& path);
// Names of the sub-directories of `dir` (the child cgroups).
std::vector<std::string> child_dirs(const std::string& dir);
// mkdir, with an existing directory being fine.
Status make_dir(const std::string& dir);

}  // namespace mk::runtime::cgroup::files
