#pragma once
// Names in RBAC objects: upstream only asks that they can be a path segment, so
// "system:controller:foo" is a valid role name.

#include <string>
#include <string_view>
#include <vector>

namespace mk::apiserver {

// IsValidPathSegmentName: not "." or "..", and no "/" or "%".
std::vector<std::string> check_path_segment_name(std::string_view name);

}  // namespace mk::apiserver
