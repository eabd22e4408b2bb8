#pragma once
// Who is asking: a verified client certificate (CN is the user, O the groups), a bearer token
// from the token file, or a service-account token this server issued. Authorization is behind
// Authorizer so that RBAC can replace it.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "server/apiserver/context.h"
#include "server/apiserver/subresources/service_account_authn.h"
#include "http/request.h"

namespace mk::apiserver {

class Authenticator {
 public:
  // Tokens: a CSV file of `token,user,uid,"group1,group2"` lines, as kube-apiserver's
  // --token-auth-file. A missing file means no tokens.
  static Result<std::unique_ptr<Authenticator>> load(const std::string& token_file);
  Authenticator() = default;

  // An unauthenticated User (empty name) when no credentials were presented or they are wrong.
  // Every authenticated user is also in system:authenticated, as upstream adds it.
  User authenticate(const http::Request& req) const;
  void add_token(const std::string& token, User user);

  // Accepts service-account JWTs signed by `tokens`, checking with `lookup` that what they name
  // still exists.
  void use_service_account_tokens(std::shared_ptr<const ServiceAccountTokens> tokens, ObjectUidLookup lookup);
  // The issuer of service-account tokens; null when the server has no signing key.
  const ServiceAccountTokens* service_account_tokens() const { return sa_tokens_.get(); }

  // A bearer token checked for TokenReview: for `audiences` (the API audiences when empty).
  struct TokenCheck {
    bool authenticated = false;
    User user;
    std::string uid;
    std::vector<std::string> audiences;
    std::string error;
  };
  TokenCheck check_token(std::string_view token, const std::vector<std::string>& audiences) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, User, std::less<>> tokens_;
  std::shared_ptr<const ServiceAccountTokens> sa_tokens_;
  ObjectUidLookup sa_lookup_;
};

// What a user may do, as SelfSubjectRulesReview reports it.
struct AccessRules {
  struct ResourceRule {
    std::vector<std::string> verbs, api_groups, resources, resource_names;
  };
  struct NonResourceRule {
    std::vector<std::string> verbs, urls;
  };
  std::vector<ResourceRule> resource_rules;
  std::vector<NonResourceRule> non_resource_rules;
  bool incomplete = false;  // the authorizer could not enumerate everything
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // An empty string allows; otherwise the reason for a 403.
  virtual std::string authorize(const User& user, const RequestInfo& info) const = 0;
  // The rules that hold for `user` in `ns`.
  virtual AccessRules rules(const User& user, const std::string& ns) const = 0;
};

// Lets system:masters and the cluster's own components (system:nodes, system:kube-*) do
// everything; everyone else may read non-resource paths and ask about itself (upstream's
// system:basic-user), and gets 403 for anything else until RBAC is enforced.
std::unique_ptr<Authorizer> make_privileged_authorizer();

}  // namespace mk::apiserver
