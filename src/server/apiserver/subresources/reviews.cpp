#include "server/apiserver/subresources/reviews.h"

#include <array>
#include <string_view>

namespace mk::apiserver {
namespace {

struct ReviewResource {
  std::string_view group, resource;
  ApiResult<nlohmann::json> (*answer)(nlohmann::json, const ReviewContext&);
};

constexpr std::array<ReviewResource, 5> kReviews = {{
    {"authentication.k8s.io", "selfsubjectreviews", self_subject_review},
    {"authentication.k8s.io", "tokenreviews", token_review},
    {"authorization.k8s.io", "selfsubjectaccessreviews", self_subject_access_review},
    {"authorization.k8s.io", "subjectaccessreviews", subject_access_review},
    {"authorization.k8s.io", "selfsubjectrulesreviews", self_subject_rules_review},
}};

const ReviewResource* find(const RequestInfo& info) {
  if (!info.is_resource || info.version != "v1") return nullptr;
  for (const auto& r : kReviews)
    if (r.group == info.group && r.resource == info.resource) return &r;
  return nullptr;
}

}  // namespace

bool is_review_resource(const RequestInfo& info) { return find(info) != nullptr; }

ApiResult<nlohmann::json> answer_review(const RequestInfo& info, nlohmann::json body, const ReviewContext& ctx) {
  const ReviewResource* r = find(info);
  // Reviews are cluster-wide collections without objects in them.
  if (!r || !info.namespace_.empty() || !info.name.empty() || !info.subresource.empty()) return api::no_such_path();
  if (info.verb != "create") return api::method_not_allowed("the server does not allow this method on the requested resource");
  return r->answer(std::move(body), ctx);
}

}  // namespace mk::apiserver
