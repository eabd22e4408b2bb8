#pragma once
// What the apps and batch workloads share: the label selector that must select the pod
// template's own pods, the template itself, and a selector fixed once created.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "api/field_error.h"

namespace mk::apiserver {

// PodSpec defaults for spec.template.spec (templates get no pod-only defaults).
void default_template_spec(nlohmann::json& obj);

// spec.selector required, valid, and not empty: "empty selector is invalid for <noun>".
void validate_workload_selector(const nlohmann::json& spec, const std::string& noun, api::FieldErrors& out);

// ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets): the selector must convert
// ("invalid label selector") and select the template, the template must be a valid pod
// template, restart Always, and have no activeDeadlineSeconds.
void validate_replica_set_template(const nlohmann::json& spec, api::FieldErrors& out);

// spec.selector may not change once created: `spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable`.
void check_selector_unchanged(const nlohmann::json& obj, const nlohmann::json& old, api::FieldErrors& out);

// template.spec.restartPolicy must be Always (workloads whose pods run forever).
void require_restart_always(const nlohmann::json& spec, api::FieldErrors& out);

}  // namespace mk::apiserver
