#pragma once
// Name and metadata validation with apimachinery's rules and messages (k8s.io/apimachinery
// pkg/util/validation and pkg/api/validation). The check_* functions mirror upstream's Is*
// functions: they return the problems found, each a message fragment, and nothing when valid.
// The validate_* functions turn those into field errors at a path.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/field_error.h"

namespace mk::api {

inline constexpr size_t kDns1123LabelMaxLength = 63;
inline constexpr size_t kDns1123SubdomainMaxLength = 253;
inline constexpr size_t kDns1035LabelMaxLength = 63;
inline constexpr size_t kQualifiedNameMaxLength = 63;
inline constexpr size_t kLabelValueMaxLength = 63;
inline constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;

// Lowercase RFC 1123 subdomain: at most 253 characters, dot-separated labels (most object names).
std::vector<std::string> check_dns1123_subdomain(std::string_view value);
// Lowercase RFC 1123 label: at most 63 of [-a-z0-9], alphanumeric at both ends (namespaces).
std::vector<std::string> check_dns1123_label(std::string_view value);
// DNS-1035 label: like an RFC 1123 label but starting with a letter (services).
std::vector<std::string> check_dns1035_label(std::string_view value);
// Label and annotation keys: an optional DNS-1123 subdomain prefix and '/', then a name of at
// most 63 of [-A-Za-z0-9_.] with alphanumerics at both ends.
std::vector<std::string> check_qualified_name(std::string_view value);
// Label values: empty, or a name as in check_qualified_name (no prefix).
std::vector<std::string> check_label_value(std::string_view value);

// How a kind's metadata.name is checked (upstream's ValidateNameFunc of each registry).
// path_segment: any name usable as one URL path segment (RBAC objects: "system:node").
enum class NameRule { dns1123_subdomain, dns1123_label, dns1035_label, path_segment };

// With prefix=true the name is a generateName prefix: a random suffix follows, so a trailing
// dash is allowed (upstream masks it before checking).
std::vector<std::string> check_object_name(std::string_view name, NameRule rule,
                                           bool prefix = false);

// metadata.labels: keys are qualified names, values label values. `labels` may be null.
FieldErrors validate_labels(const nlohmann::json& labels,
                            const std::string& field = "metadata.labels");
// metadata.annotations: keys are qualified names (case-insensitive), and keys plus values
// together hold at most 256 KiB.
FieldErrors validate_annotations(const nlohmann::json& annotations,
                                 const std::string& field = "metadata.annotations");
// metadata.finalizers: qualified names; "orphan" and "foregroundDeletion" exclude each other.
FieldErrors validate_finalizers(const nlohmann::json& finalizers,
                                const std::string& field = "metadata.finalizers");
// metadata.ownerReferences: apiVersion, kind, name and uid set; at most one controller.
FieldErrors validate_owner_references(const nlohmann::json& owner_references,
                                      const std::string& field = "metadata.ownerReferences");

struct ObjectMetaRules {
  bool namespaced = true;
  NameRule name_rule = NameRule::dns1123_subdomain;
  std::string path = "metadata";  // "spec.template.metadata" for embedded templates
};

// What upstream checks on create (ValidateObjectMetaAccessor): name or generateName, namespace
// presence, generation, labels, annotations, ownerReferences and finalizers. Call it after the
// namespace of a cluster-scoped object has been cleared and generateName has been applied.
FieldErrors validate_object_meta(const nlohmann::json& metadata, const ObjectMetaRules& rules);

}  // namespace mk::api
