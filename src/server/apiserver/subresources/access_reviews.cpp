// SelfSubjectAccessReview, SubjectAccessReview and SelfSubjectRulesReview: what the authorizer
// says about a user and an action, or lists for a namespace.
#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "server/apiserver/subresources/reviews.h"
#include "server/apiserver/subresources/type_meta.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr const char* kAuthorizationV1 = "authorization.k8s.io/v1";

const json* attributes(const json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_object() ? &*it : nullptr;
}

// ValidateSelfSubjectAccessReviewSpec's rule: exactly one kind of attributes.
std::vector<api::StatusCause> check_attributes(const json& spec) {
  const json* res = attributes(spec, "resourceAttributes");
  const json* non = attributes(spec, "nonResourceAttributes");
  if (!res && !non)
    return {{"FieldValueRequired",
             "spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
             "spec.resourceAttributes"}};
  if (res && non)
    return {{"FieldValueInvalid",
             "spec.nonResourceAttributes: Invalid value: \"\": cannot be specified in combination with resourceAttributes",
             "spec.nonResourceAttributes"}};
  return {};
}

// The request the review asks about, as the authorizer sees requests.
RequestInfo request_of(const json& spec) {
  RequestInfo info;
  if (const json* res = attributes(spec, "resourceAttributes")) {
    info.is_resource = true;
    info.namespace_ = res->value("namespace", "");
    info.verb = res->value("verb", "");
    info.group = res->value("group", "");
    info.version = res->value("version", "");
    info.resource = res->value("resource", "");
    info.subresource = res->value("subresource", "");
    info.name = res->value("name", "");
  } else if (const json* non = attributes(spec, "nonResourceAttributes")) {
    info.path = non->value("path", "");
    info.verb = non->value("verb", "");
  }
  return info;
}

json decide(const User& user, const json& spec, const Authorizer& authz) {
  std::string why = authz.authorize(user, request_of(spec));
  // A refusal carries no reason: the authorizer has no rule allowing it, which kubectl prints
  // as a plain "no".
  return why.empty() ? json{{"allowed", true}} : json{{"allowed", false}};
}

// An absent spec reads as the empty one, whose attributes check then names what is missing.
ApiResult<json> spec_of(const json& body, const char* kind) {
  const json* spec = api::find_path(body, "spec");
  if (!spec || spec->is_null()) return json::object();
  if (!spec->is_object())
    return api::bad_request(std::string(kind) + " in version \"v1\" cannot be handled as a " + kind + ": spec must be an object");
  return *spec;
}

json& metadata_of(json& body) {
  if (!body.contains("metadata") || !body["metadata"].is_object()) body["metadata"] = json::object();
  return body["metadata"];
}

json rules_json(const AccessRules& rules) {
  json resource = json::array();
  for (const auto& r : rules.resource_rules) {
    json j = {{"verbs", r.verbs}, {"apiGroups", r.api_groups}, {"resources", r.resources}};
    if (!r.resource_names.empty()) j["resourceNames"] = r.resource_names;
    resource.push_back(std::move(j));
  }
  json non_resource = json::array();
  for (const auto& r : rules.non_resource_rules) non_resource.push_back({{"verbs", r.verbs}, {"nonResourceURLs", r.urls}});
  return {{"resourceRules", std::move(resource)},
          {"nonResourceRules", std::move(non_resource)},
          {"incomplete", rules.incomplete}};
}

}  // namespace

ApiResult<json> self_subject_access_review(json body, const ReviewContext& ctx) {
  const char* kind = "SelfSubjectAccessReview";
  if (auto e = check_body_type(body, kind, {kAuthorizationV1})) return *e;
  auto spec = spec_of(body, kind);
  if (!spec) return spec.error();
  if (auto causes = check_attributes(*spec); !causes.empty())
    return api::invalid(kind, "authorization.k8s.io", "", std::move(causes));
  metadata_of(body);
  body["kind"] = kind;
  body["apiVersion"] = kAuthorizationV1;
  body["status"] = decide(ctx.user, *spec, ctx.authz);
  return body;
}

ApiResult<json> subject_access_review(json body, const ReviewContext& ctx) {
  const char* kind = "SubjectAccessReview";
  if (auto e = check_body_type(body, kind, {kAuthorizationV1})) return *e;
  auto spec = spec_of(body, kind);
  if (!spec) return spec.error();
  auto causes = check_attributes(*spec);
  User subject{spec->value("user", ""), {}};
  if (auto g = spec->find("groups"); g != spec->end() && g->is_array())
    for (const auto& x : *g)
      if (x.is_string()) subject.groups.push_back(x.get<std::string>());
  if (subject.name.empty() && subject.groups.empty())
    causes.push_back({"FieldValueInvalid", "spec.user: Invalid value: \"\": at least one of user or group must be specified",
                      "spec.user"});
  if (!causes.empty()) return api::invalid(kind, "authorization.k8s.io", "", std::move(causes));
  metadata_of(body);
  body["kind"] = kind;
  body["apiVersion"] = kAuthorizationV1;
  body["status"] = decide(subject, *spec, ctx.authz);
  return body;
}

ApiResult<json> self_subject_rules_review(json body, const ReviewContext& ctx) {
  const char* kind = "SelfSubjectRulesReview";
  if (auto e = check_body_type(body, kind, {kAuthorizationV1})) return *e;
  auto spec = spec_of(body, kind);
  if (!spec) return spec.error();
  metadata_of(body);
  body["kind"] = kind;
  body["apiVersion"] = kAuthorizationV1;
  body["status"] = rules_json(ctx.authz.rules(ctx.user, spec->value("namespace", "")));
  return body;
}

}  // namespace mk::apiserver
