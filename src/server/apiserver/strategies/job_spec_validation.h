#pragma once
// The JobSpec rules Jobs and CronJobs' job templates share (batch validateJobSpec): counts,
// deadlines and retry limits, completion modes, pod replacement, the pod template, and a
// restart policy of OnFailure or Never.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "api/field_error.h"

namespace mk::apiserver {

// `path` is where the spec is: "spec" for a Job, "spec.jobTemplate.spec" for a CronJob.
void validate_job_spec(const nlohmann::json& spec, const std::string& path, api::FieldErrors& out);

}  // namespace mk::apiserver
