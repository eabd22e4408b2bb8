#pragma once
// metav1.LabelSelector objects in specs (workload selectors, network policy peers, PVC
// selectors), checked as apimachinery's ValidateLabelSelector does, and matched against a pod
// template's labels as the workload validations do.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "api/field_error.h"

namespace mk::apiserver {

// ValidateLabelSelector with invalid label values refused: matchLabels as labels, and each
// expression's operator, key and values. `selector` may be null (nothing to check).
void validate_label_selector(const nlohmann::json& selector, const std::string& path, api::FieldErrors& out);

// True when the selector has neither matchLabels nor matchExpressions.
bool selector_is_empty(const nlohmann::json& selector);

// Whether the selector converts to a label selector (metav1.LabelSelectorAsSelector succeeds).
bool selector_converts(const nlohmann::json& selector);

// The workloads' check that the selector selects the template's own pods:
//   <template_path>.metadata.labels: Invalid value: map[string]string{...}: `selector` does not match template `labels`
// An empty selector matches every template and a null one none; an unconvertible selector is
// left to the caller, which reports it in its own words.
void check_selector_matches_template(const nlohmann::json& selector, const nlohmann::json& pod_template,
                                     const std::string& template_path, api::FieldErrors& out);

}  // namespace mk::apiserver
