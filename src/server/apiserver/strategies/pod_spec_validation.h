#pragma once
// PodSpec validation as pkg/apis/core/validation does it, for pods and for the pod templates of
// workloads. A deliberate subset: the rules users meet in practice (containers, names, images,
// ports, volumes and their mounts, resources, probes, policies, tolerations), each with
// upstream's field path and wording; README.md in this directory lists what is not covered.

#include <nlohmann/json_fwd.hpp>

#include <set>
#include <string>

#include "api/field_error.h"

namespace mk::apiserver {

// ValidatePodSpec at `path` ("spec", "spec.template.spec"). `is_pod` selects the rules that
// differ for Pod objects (host ports of host-network pods are defaulted there, so must match).
void validate_pod_spec(const nlohmann::json& spec, const std::string& path, bool is_pod, api::FieldErrors& out);

// ValidatePodTemplateSpec at `path` ("spec.template"): the template's labels and annotations,
// its pod spec, and no ephemeral containers.
void validate_pod_template(const nlohmann::json& pod_template, const std::string& path, api::FieldErrors& out);

// The parts validate_pod_spec is built from, one file each.

// ValidateVolumes: returns the names of the volumes that passed, which mounts may refer to.
std::set<std::string> validate_volumes(const nlohmann::json& volumes, const std::string& path, api::FieldErrors& out);
// validateContainers and validateInitContainers for spec.containers and spec.initContainers.
void validate_containers(const nlohmann::json& spec, const std::set<std::string>& volumes, const std::string& path,
                         api::FieldErrors& out);
// ValidateResourceRequirements of one container.
void validate_resources(const nlohmann::json& resources, const std::string& path, api::FieldErrors& out);
// ValidateTolerations.
void validate_tolerations(const nlohmann::json& tolerations, const std::string& path, api::FieldErrors& out);
// validateTaintEffect: "" is refused unless `allow_empty`.
void validate_taint_effect(const std::string& effect, bool allow_empty, const std::string& path, api::FieldErrors& out);

}  // namespace mk::apiserver
