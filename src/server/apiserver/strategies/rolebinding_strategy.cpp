// RoleBindings and ClusterRoleBindings (rbac.authorization.k8s.io/v1): subjects' API groups
// defaulted, ValidateRoleBinding (roleRef and subjects) and a roleRef fixed once created.
#include <nlohmann/json.hpp>

#include "api/go_strconv.h"
#include "api/validation.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/rbac_names.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";

void defaults(json& binding, const AdmissionRequest&) {
  if (binding.contains("roleRef") && binding["roleRef"].is_object() && unset_string(binding["roleRef"], "apiGroup"))
    binding["roleRef"]["apiGroup"] = kRbacGroup;
  if (!binding.contains("subjects") || !binding["subjects"].is_array()) return;
  for (auto& subject : binding["subjects"]) {
    if (!subject.is_object() || !unset_string(subject, "apiGroup")) continue;
    std::string kind = string_of(subject, "kind");
    if (kind == "User" || kind == "Group") subject["apiGroup"] = kRbacGroup;
  }
}

void validate_subject(const json& subject, bool namespaced, const std::string& at, api::FieldErrors& out) {
  std::string name = string_of(subject, "name");
  std::string kind = string_of(subject, "kind");
  std::string group = string_of(subject, "apiGroup");
  if (name.empty()) out.push_back(api::field_required(at + ".name", ""));
  if (kind == "ServiceAccount") {
    if (!name.empty()) add_invalid(out, at + ".name", name, api::check_dns1123_subdomain(name));
    if (!group.empty()) out.push_back(api::field_not_supported(at + ".apiGroup", group, {""}));
    if (!namespaced && string_of(subject, "namespace").empty()) out.push_back(api::field_required(at + ".namespace", ""));
  } else if (kind == "User" || kind == "Group") {
    if (group != kRbacGroup) out.push_back(api::field_not_supported(at + ".apiGroup", group, {kRbacGroup}));
  } else {
    out.push_back(api::field_not_supported(at + ".kind", kind, {"ServiceAccount", "User", "Group"}));
  }
}

std::string go_role_ref(const json& ref) {
  return "rbac.RoleRef{APIGroup:" + api::go_quote(string_of(ref, "apiGroup")) + ", Kind:" + api::go_quote(string_of(ref, "kind")) +
         ", Name:" + api::go_quote(string_of(ref, "name")) + "}";
}

std::vector<api::StatusCause> validate(const json& binding, const AdmissionRequest& req, bool namespaced) {
  api::FieldErrors errs;
  const json& ref = object_of(binding, "roleRef");
  std::string group = string_of(ref, "apiGroup");
  if (group != kRbacGroup) errs.push_back(api::field_not_supported("roleRef.apiGroup", group, {kRbacGroup}));
  std::string kind = string_of(ref, "kind");
  if (namespaced && kind != "Role" && kind != "ClusterRole")
    errs.push_back(api::field_not_supported("roleRef.kind", kind, {"Role", "ClusterRole"}));
  if (!namespaced && kind != "ClusterRole") errs.push_back(api::field_not_supported("roleRef.kind", kind, {"ClusterRole"}));
  std::string name = string_of(ref, "name");
  if (name.empty()) {
    errs.push_back(api::field_required("roleRef.name", ""));
  } else {
    add_invalid(errs, "roleRef.name", name, check_path_segment_name(name));
  }
  const json& subjects = array_of(binding, "subjects");
  for (size_t i = 0; i < subjects.size(); ++i) validate_subject(subjects[i], namespaced, index_path("subjects", i), errs);
  if (req.old) {
    const json& old_ref = object_of(*req.old, "roleRef");
    bool same = string_of(ref, "apiGroup") == string_of(old_ref, "apiGroup") && string_of(ref, "kind") == string_of(old_ref, "kind") &&
                string_of(ref, "name") == string_of(old_ref, "name");
    if (!same) errs.push_back(api::field_invalid_verbatim("roleRef", go_role_ref(ref), "cannot change roleRef"));
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy role_binding_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = [](const json& b, const AdmissionRequest& req) { return validate(b, req, true); };
  return s;
}

KindStrategy cluster_role_binding_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = [](const json& b, const AdmissionRequest& req) { return validate(b, req, false); };
  return s;
}

}  // namespace mk::apiserver
