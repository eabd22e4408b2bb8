#pragma once
// Removing the cgroups a run left under its own cgroup paths, in every mounted hierarchy.

#include <string>

namespace mk::bench {

// "unified", "hybrid" or "legacy": how /sys/fs/cgroup is mounted.
std::string cgroup_mode();

// rmdir()s <hierarchy>/<path> and the (empty) cgroups below it, deepest first, in every
// hierarchy. `path` is relative ("name" or "parent/name") and is the benchmark's own, unique
// cgroup: nothing else is touched. rmdir() refuses cgroups that still hold processes.
void remove_cgroup_tree(const std::string& path);

}  // namespace mk::bench
