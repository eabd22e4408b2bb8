// Roles and ClusterRoles (rbac.authorization.k8s.io/v1): ValidatePolicyRule for each rule, and
// a cluster role's aggregation selectors.
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void validate_rules(const json& role, bool namespaced, api::FieldErrors& out) {
  const json& rules = array_of(role, "rules");
  for (size_t i = 0; i < rules.size(); ++i) {
    const json& rule = rules[i];
    std::string at = index_path("rules", i);
    if (array_of(rule, "verbs").empty()) out.push_back(api::field_required(at + ".verbs", "verbs must contain at least one value"));
    const json* urls = member(rule, "nonResourceURLs");
    if (urls && urls->is_array() && !urls->empty()) {
      if (namespaced)
        out.push_back(api::field_invalid_verbatim(at + ".nonResourceURLs", go_strings(urls), "namespaced rules cannot apply to non-resource URLs"));
      if (!array_of(rule, "apiGroups").empty() || !array_of(rule, "resources").empty() || !array_of(rule, "resourceNames").empty())
        out.push_back(api::field_invalid_verbatim(at + ".nonResourceURLs", go_strings(urls),
                                                  "rules cannot apply to both regular resources and non-resource URLs"));
      continue;
    }
    if (array_of(rule, "apiGroups").empty())
      out.push_back(api::field_required(at + ".apiGroups", "resource rules must supply at least one api group"));
    if (array_of(rule, "resources").empty())
      out.push_back(api::field_required(at + ".resources", "resource rules must supply at least one resource"));
  }
}

std::vector<api::StatusCause> validate_role(const json& role, const AdmissionRequest&) {
  api::FieldErrors errs;
  validate_rules(role, true, errs);
  return to_causes(errs);
}

std::vector<api::StatusCause> validate_cluster_role(const json& role, const AdmissionRequest&) {
  api::FieldErrors errs;
  validate_rules(role, false, errs);
  if (const json* aggregation = member(role, "aggregationRule")) {
    const json& selectors = array_of(*aggregation, "clusterRoleSelectors");
    if (selectors.empty())
      errs.push_back(api::field_required("aggregationRule.clusterRoleSelectors",
                                         "at least one clusterRoleSelector required if aggregationRule is non-nil"));
    for (size_t i = 0; i < selectors.size(); ++i) {
      std::string at = index_path("aggregationRule.clusterRoleSelectors", i);
      validate_label_selector(selectors[i], at, errs);
      if (!selector_converts(selectors[i]))
        errs.push_back(api::field_invalid_verbatim(at, go_label_selector(selectors[i]), "invalid label selector."));
    }
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy role_strategy() {
  KindStrategy s;
  s.validate = validate_role;
  return s;
}

KindStrategy cluster_role_strategy() {
  KindStrategy s;
  s.validate = validate_cluster_role;
  return s;
}

}  // namespace mk::apiserver
