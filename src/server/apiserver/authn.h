#pragma once
// Who is asking: a verified client certificate (CN is the user, O the groups) or a bearer token
// from the token file. Authorization is behind Authorizer so that RBAC can replace it.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/error.h"
#include "server/apiserver/context.h"
#include "server/http/request.h"

namespace mk::apiserver {

class Authenticator {
 public:
  // Tokens: a CSV file of `token,user,uid,"group1,group2"` lines, as kube-apiserver's
  // --token-auth-file. A missing file means no tokens.
  static Result<std::unique_ptr<Authenticator>> load(const std::string& token_file);
  Authenticator() = default;

  // An unauthenticated User (empty name) when no credentials were presented or they are wrong.
  User authenticate(const http::Request& req) const;
  void add_token(const std::string& token, User user);

 private:
  mutable std::mutex mu_;
  std::map<std::string, User, std::less<>> tokens_;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // An empty string allows; otherwise the reason for a 403.
  virtual std::string authorize(const User& user, const RequestInfo& info) const = 0;
};

// Lets system:masters and the cluster's own components (system:nodes, system:kube-*) do
// everything; everyone else gets 403 until RBAC is enforced.
std::unique_ptr<Authorizer> make_privileged_authorizer();

}  // namespace mk::apiserver
