// SelfSubjectReview and TokenReview: who a request or a token is authenticated as.
#include <nlohmann/json.hpp>

#include "server/apiserver/registry.h"
#include "server/apiserver/subresources/reviews.h"
#include "server/apiserver/subresources/type_meta.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr const char* kAuthenticationV1 = "authentication.k8s.io/v1";

json user_info(const User& user, const std::string& uid) {
  json u = {{"username", user.name}, {"groups", user.groups}};
  if (!uid.empty()) u["uid"] = uid;
  return u;
}

json& metadata_of(json& body) {
  if (!body.contains("metadata") || !body["metadata"].is_object()) body["metadata"] = json::object();
  return body["metadata"];
}

std::vector<std::string> strings_at(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (auto it = obj.find(key); it != obj.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

ApiResult<json> self_subject_review(json body, const ReviewContext& ctx) {
  if (auto e = check_body_type(body, "SelfSubjectReview", {kAuthenticationV1})) return *e;
  metadata_of(body)["creationTimestamp"] = now_rfc3339();
  body["kind"] = "SelfSubjectReview";
  body["apiVersion"] = kAuthenticationV1;
  body["status"] = {{"userInfo", user_info(ctx.user, "")}};
  return body;
}

ApiResult<json> token_review(json body, const ReviewContext& ctx) {
  if (auto e = check_body_type(body, "TokenReview", {kAuthenticationV1})) return *e;
  metadata_of(body);
  json spec = body.contains("spec") && body["spec"].is_object() ? body["spec"] : json::object();
  std::string token = spec.value("token", "");
  if (token.empty()) return api::bad_request("token is required for TokenReview in authentication");
  auto check = ctx.authn.check_token(token, strings_at(spec, "audiences"));
  json status = json::object();
  if (check.authenticated) {
    status["authenticated"] = true;
    status["user"] = user_info(check.user, check.uid);
    if (!check.audiences.empty()) status["audiences"] = check.audiences;
  } else {
    status["user"] = json::object();
    status["error"] = check.error;
  }
  body["kind"] = "TokenReview";
  body["apiVersion"] = kAuthenticationV1;
  body["status"] = std::move(status);
  return body;
}

}  // namespace mk::apiserver
