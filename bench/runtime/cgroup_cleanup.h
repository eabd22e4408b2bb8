#pragma once
// Removing the cgroups a run left under its own cgroup root, in every mounted hierarchy.

#include <string>

namespace mk::rtbench {

// "unified", "hybrid" or "legacy": how /sys/fs/cgroup is mounted.
std::string cgroup_mode();

// rmdir()s <hierarchy>/<name> and the (empty) cgroups below it, deepest first. `name` is the
// benchmark's own, unique cgroup root: nothing else is touched.
void remove_cgroup_root(const std::string& name);

}  // namespace mk::rtbench
