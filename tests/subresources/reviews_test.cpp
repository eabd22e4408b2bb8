// The review resources, answered from the caller's identity and the authorizer.
#include "registry_fixture.h"
#include "server/apiserver/subresources/reviews.h"
#include "server/apiserver/subresources/token_request.h"
#include "test_keys.h"

using namespace mk::apiserver;
using namespace mk::apiserver::test;

namespace {

const User kAdmin{"system:admin", {"system:masters", "system:authenticated"}};
const User kRobot{"system:serviceaccount:default:default",
                  {"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}};

RequestInfo create(const std::string& group, const std::string& resource) {
  RequestInfo info;
  info.is_resource = true;
  info.group = group;
  info.version = "v1";
  info.resource = resource;
  info.verb = "create";
  return info;
}

json access_review(json spec) {
  return json{{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SelfSubjectAccessReview"}, {"spec", std::move(spec)}};
}

const json kCreateDeployments = {{"resourceAttributes", {{"namespace", "default"}, {"verb", "create"}, {"group", "apps"}, {"resource", "deployments"}}}};

}  // namespace

TEST_CASE("SelfSubjectReview says who the caller is", "[reviews]") {
  Authenticator authn;
  auto authz = make_privileged_authorizer();
  ReviewContext ctx{kAdmin, authn, *authz};
  auto r = answer_review(create("authentication.k8s.io", "selfsubjectreviews"),
                         json{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}}, ctx);
  REQUIRE(r);
  CHECK((*r)["kind"] == "SelfSubjectReview");
  CHECK((*r)["apiVersion"] == "authentication.k8s.io/v1");
  CHECK((*r)["status"]["userInfo"] == json{{"username", "system:admin"}, {"groups", {"system:masters", "system:authenticated"}}});
}

TEST_CASE("SelfSubjectAccessReview asks the authorizer", "[reviews]") {
  Authenticator authn;
  auto authz = make_privileged_authorizer();
  auto info = create("authorization.k8s.io", "selfsubjectaccessreviews");
  ReviewContext admin{kAdmin, authn, *authz};
  ReviewContext robot{kRobot, authn, *authz};

  auto yes = answer_review(info, access_review(kCreateDeployments), admin);
  REQUIRE(yes);
  CHECK((*yes)["status"] == json{{"allowed", true}});
  CHECK((*yes)["spec"] == kCreateDeployments);

  auto no = answer_review(info, access_review(kCreateDeployments), robot);
  REQUIRE(no);
  CHECK((*no)["status"] == json{{"allowed", false}});

  // Everyone may ask about themselves, and read non-resource URLs.
  json self = {{"resourceAttributes", {{"verb", "create"}, {"group", "authorization.k8s.io"}, {"resource", "selfsubjectaccessreviews"}}}};
  CHECK((*answer_review(info, access_review(self), robot))["status"]["allowed"] == true);
  json healthz = {{"nonResourceAttributes", {{"path", "/healthz"}, {"verb", "get"}}}};
  CHECK((*answer_review(info, access_review(healthz), robot))["status"]["allowed"] == true);

  auto neither = answer_review(info, access_review(json::object()), admin);
  REQUIRE(!neither);
  CHECK(neither.error().code == 422);
  CHECK(neither.error().message ==
        "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Required value: exactly one "
        "of nonResourceAttributes or resourceAttributes must be specified");
  json both = kCreateDeployments;
  both["nonResourceAttributes"] = healthz["nonResourceAttributes"];
  auto twice = answer_review(info, access_review(both), admin);
  REQUIRE(!twice);
  CHECK(twice.error().code == 422);
}

TEST_CASE("SelfSubjectRulesReview lists what the caller may do", "[reviews]") {
  Authenticator authn;
  auto authz = make_privileged_authorizer();
  auto info = create("authorization.k8s.io", "selfsubjectrulesreviews");
  json body = {{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SelfSubjectRulesReview"}, {"spec", {{"namespace", "default"}}}};
  auto admin = answer_review(info, body, ReviewContext{kAdmin, authn, *authz});
  REQUIRE(admin);
  CHECK((*admin)["status"]["resourceRules"] == json::parse(R"([{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}])"));
  CHECK((*admin)["status"]["nonResourceRules"] == json::parse(R"([{"verbs":["*"],"nonResourceURLs":["*"]}])"));
  CHECK((*admin)["status"]["incomplete"] == false);
  auto robot = answer_review(info, body, ReviewContext{kRobot, authn, *authz});
  REQUIRE(robot);
  CHECK((*robot)["status"]["resourceRules"].size() == 2);
  CHECK((*robot)["status"]["resourceRules"][0]["verbs"] == json{"create"});
}

TEST_CASE("SubjectAccessReview and TokenReview answer about others", "[reviews]") {
  RegistryFixture f;
  f.must_create("", "ServiceAccount", json{{"metadata", {{"name", "default"}}}});
  auto key = TokenKey::load(generate_key_pem());
  REQUIRE(key);
  auto tokens = std::make_shared<ServiceAccountTokens>(*key, std::string(kDefaultServiceAccountIssuer));
  Authenticator authn;
  Registry* registry = &f.registry();
  authn.use_service_account_tokens(tokens, [registry](const std::string& kind, const std::string& ns,
                                                      const std::string& name) -> std::optional<std::string> {
    auto obj = registry->get(*registry->context().kinds.by_kind("", "v1", kind), ns, name);
    if (!obj) return std::nullopt;
    return (*obj)["metadata"]["uid"].get<std::string>();
  });
  auto authz = make_privileged_authorizer();
  ReviewContext ctx{kAdmin, authn, *authz};

  json sar = {{"apiVersion", "authorization.k8s.io/v1"},
              {"kind", "SubjectAccessReview"},
              {"spec", kCreateDeployments}};
  sar["spec"]["user"] = "system:serviceaccount:default:default";
  auto denied = answer_review(create("authorization.k8s.io", "subjectaccessreviews"), sar, ctx);
  REQUIRE(denied);
  CHECK((*denied)["status"]["allowed"] == false);
  sar["spec"]["groups"] = {"system:masters"};
  CHECK((*answer_review(create("authorization.k8s.io", "subjectaccessreviews"), sar, ctx))["status"]["allowed"] == true);
  sar["spec"].erase("user");
  sar["spec"].erase("groups");
  auto nobody = answer_review(create("authorization.k8s.io", "subjectaccessreviews"), sar, ctx);
  REQUIRE(!nobody);
  CHECK(nobody.error().code == 422);

  auto issued = request_token(f.registry(), tokens.get(), "default", "default", json::object(), 0);
  REQUIRE(issued);
  // Issued at the epoch: long expired. A fresh one is valid.
  json review = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenReview"},
                 {"spec", {{"token", (*issued)["status"]["token"]}}}};
  auto expired = answer_review(create("authentication.k8s.io", "tokenreviews"), review, ctx);
  REQUIRE(expired);
  CHECK_FALSE((*expired)["status"].contains("authenticated"));
  CHECK((*expired)["status"]["error"] == "invalid bearer token, the token has expired");

  auto fresh = request_token(f.registry(), tokens.get(), "default", "default", json::object(),
                             std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  REQUIRE(fresh);
  review["spec"]["token"] = (*fresh)["status"]["token"];
  auto valid = answer_review(create("authentication.k8s.io", "tokenreviews"), review, ctx);
  REQUIRE(valid);
  CHECK((*valid)["status"]["authenticated"] == true);
  CHECK((*valid)["status"]["user"]["username"] == "system:serviceaccount:default:default");
  CHECK((*valid)["status"]["audiences"] == json{"https://kubernetes.default.svc.cluster.local"});
}

TEST_CASE("reviews exist only as create-only cluster collections", "[reviews]") {
  Authenticator authn;
  auto authz = make_privileged_authorizer();
  ReviewContext ctx{kAdmin, authn, *authz};
  auto info = create("authorization.k8s.io", "selfsubjectaccessreviews");
  CHECK(is_review_resource(info));
  CHECK_FALSE(is_review_resource(create("apps", "deployments")));
  info.verb = "list";
  auto listed = answer_review(info, json::object(), ctx);
  REQUIRE(!listed);
  CHECK(listed.error().code == 405);
  info.verb = "create";
  info.namespace_ = "default";
  auto namespaced = answer_review(info, access_review(kCreateDeployments), ctx);
  REQUIRE(!namespaced);
  CHECK(namespaced.error().code == 404);

  // Non-privileged users may not review others.
  RequestInfo token_review = create("authentication.k8s.io", "tokenreviews");
  CHECK_FALSE(authz->authorize(kRobot, token_review).empty());
  CHECK(authz->authorize(kRobot, create("authentication.k8s.io", "selfsubjectreviews")).empty());
}
