#pragma once
// The create-only review resources, answered from the request's identity and the authorizer
// and never stored: SelfSubjectReview (kubectl auth whoami), SelfSubjectAccessReview and
// SelfSubjectRulesReview (kubectl auth can-i [--list]), TokenReview and SubjectAccessReview
// (for privileged callers; the authorizer keeps others out).

#include <nlohmann/json.hpp>

#include "server/apiserver/authn.h"
#include "server/apiserver/object_store.h"
#include "server/apiserver/request_info.h"

namespace mk::apiserver {

struct ReviewContext {
  const User& user;  // who is asking
  const Authenticator& authn;
  const Authorizer& authz;
};

// Whether the request addresses one of the review resources (whatever its verb or shape).
bool is_review_resource(const RequestInfo& info);

// The answered review (201), for a create with `body` on a review resource.
ApiResult<nlohmann::json> answer_review(const RequestInfo& info, nlohmann::json body, const ReviewContext& ctx);

// Each review, given its decoded body.
ApiResult<nlohmann::json> self_subject_review(nlohmann::json body, const ReviewContext& ctx);
ApiResult<nlohmann::json> token_review(nlohmann::json body, const ReviewContext& ctx);
ApiResult<nlohmann::json> self_subject_access_review(nlohmann::json body, const ReviewContext& ctx);
ApiResult<nlohmann::json> subject_access_review(nlohmann::json body, const ReviewContext& ctx);
ApiResult<nlohmann::json> self_subject_rules_review(nlohmann::json body, const ReviewContext& ctx);

}  // namespace mk::apiserver
