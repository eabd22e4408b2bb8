#pragma once
// Values rendered as Go's %#v prints them. Upstream's field errors fall back to %#v for values
// that are neither plain scalars nor Stringers (label maps, label selectors, IntOrString,
// structs), and users and tests see that text in Invalid messages, e.g.
//   spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: ...

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace mk::apiserver {

// map[string]string{"a":"b", "c":"d"} with keys sorted; map[string]string(nil) for null/absent.
std::string go_string_map(const nlohmann::json* labels);

// []string{"a", "b"}; []string(nil) for null/absent.
std::string go_strings(const nlohmann::json* values);

// A metav1.LabelSelector value:
// v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}
std::string go_label_selector(const nlohmann::json& selector);

// An intstr.IntOrString value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}. A missing
// value is the zero IntOrString.
std::string go_int_or_string(const nlohmann::json* value);

// A value a pointer field held, shown after dereferencing as upstream's ErrorBody does: a nil
// pointer prints as "null" (quoted, as the string it becomes).
inline constexpr const char* kGoNullPointer = "\"null\"";

}  // namespace mk::apiserver
