#pragma once
// ValidatePodUpdate: a pod's spec is fixed once created, except for container images, a
// shorter activeDeadlineSeconds, added tolerations and a negative grace period raised to 1.

#include <nlohmann/json_fwd.hpp>

#include "api/field_error.h"

namespace mk::apiserver {

// `pod` and `old` are whole (defaulted) Pod objects.
void validate_pod_update(const nlohmann::json& pod, const nlohmann::json& old, api::FieldErrors& out);

}  // namespace mk::apiserver
