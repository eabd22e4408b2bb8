#include "server/apiserver/authn.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <fstream>

namespace mk::apiserver {
namespace {

std::vector<std::string> parse_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

User with_authenticated_group(User u) {
  if (std::find(u.groups.begin(), u.groups.end(), "system:authenticated") == u.groups.end())
    u.groups.push_back("system:authenticated");
  return u;
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<Authenticator>> Authenticator::load(const std::string& token_file) {
  auto a = std::make_unique<Authenticator>();
  std::ifstream in(token_file);
  if (!in) return a;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto f = parse_csv_line(line);
    if (f.size() < 2 || f[0].empty() || f[1].empty())
      return make_error(Errc::invalid_argument, token_file + ":" + std::to_string(n) + ": expected token,user[,uid,groups]");
    User u{f[1], {}};
    if (f.size() >= 4) {
      std::string g;
      for (char c : f[3] + ",") {
        if (c == ',') {
          if (!g.empty()) u.groups.push_back(g);
          g.clear();
        } else {
          g += c;
        }
      }
    }
    a->tokens_[f[0]] = u;
  }
  return a;
}

void Authenticator::add_token(const std::string& token, User user) {
  std::lock_guard lock(mu_);
  tokens_[token] = std::move(user);
}

void Authenticator::use_service_account_tokens(std::shared_ptr<const ServiceAccountTokens> tokens, ObjectUidLookup lookup) {
  sa_tokens_ = std::move(tokens);
  sa_lookup_ = std::move(lookup);
}

Authenticator::TokenCheck Authenticator::check_token(std::string_view token,
                                                     const std::vector<std::string>& audiences) const {
  TokenCheck out;
  // Static tokens are valid for the API server's own audiences only.
  bool api_audience = audiences.empty();
  if (sa_tokens_)
    for (const auto& a : audiences)
      for (const auto& mine : sa_tokens_->api_audiences()) api_audience |= a == mine;
  if (api_audience) {
    std::lock_guard lock(mu_);
    // Constant-time comparison against each known token, so timing reveals nothing.
    for (const auto& [t, user] : tokens_) {
      if (t.size() == token.size() && CRYPTO_memcmp(t.data(), token.data(), t.size()) == 0) {
        out.authenticated = true;
        out.user = with_authenticated_group(user);
        if (sa_tokens_) out.audiences = audiences.empty() ? sa_tokens_->api_audiences() : audiences;
        return out;
      }
    }
  }
  if (sa_tokens_ && looks_like_jwt(token)) {
    auto id = authenticate_service_account(*sa_tokens_, sa_lookup_, token, audiences, unix_now());
    if (!id) {
      out.error = "invalid bearer token, " + id.error().message;
      return out;
    }
    out.authenticated = true;
    out.user = std::move(id->user);
    out.uid = std::move(id->uid);
    out.audiences = std::move(id->audiences);
    return out;
  }
  out.error = "invalid bearer token";
  return out;
}

User Authenticator::authenticate(const http::Request& req) const {
  if (!req.peer_common_name.empty()) return with_authenticated_group(User{req.peer_common_name, req.peer_organizations});
  std::string auth = req.header("Authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0)) {
    std::string token = auth.substr(7);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    auto check = check_token(token, {});
    if (check.authenticated) return check.user;
  }
  return User{};
}

namespace {

bool privileged(const User& user) {
  for (const auto& g : user.groups) {
    if (g == "system:masters" || g == "system:nodes") return true;
  }
  return user.name.rfind("system:kube-", 0) == 0 || user.name.rfind("system:node:", 0) == 0;
}

// Upstream's system:basic-user role: anyone may ask who they are and what they may do.
bool self_review(const RequestInfo& info) {
  if (info.verb != "create" || !info.subresource.empty() || !info.name.empty() || !info.namespace_.empty()) return false;
  if (info.group == "authentication.k8s.io") return info.resource == "selfsubjectreviews";
  if (info.group == "authorization.k8s.io")
    return info.resource == "selfsubjectaccessreviews" || info.resource == "selfsubjectrulesreviews";
  return false;
}

class PrivilegedAuthorizer final : public Authorizer {
 public:
  std::string authorize(const User& user, const RequestInfo& info) const override {
    if (privileged(user)) return "";
    if (!info.is_resource) return "";  // discovery, version, health, openapi
    if (self_review(info)) return "";
    std::string res = info.group.empty() ? info.resource : info.resource + "." + info.group;
    std::string msg = res + " is forbidden: User \"" + user.name + "\" cannot " + info.verb + " resource \"" +
                      info.resource + "\" in API group \"" + info.group + "\"";
    if (!info.namespace_.empty()) msg += " in the namespace \"" + info.namespace_ + "\"";
    else if (!info.name.empty() || info.verb == "list") msg += " at the cluster scope";
    return msg;
  }

  AccessRules rules(const User& user, const std::string&) const override {
    AccessRules r;
    if (privileged(user)) {
      r.resource_rules.push_back({{"*"}, {"*"}, {"*"}, {}});
      r.non_resource_rules.push_back({{"*"}, {"*"}});
      return r;
    }
    r.resource_rules.push_back({{"create"}, {"authorization.k8s.io"}, {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}, {}});
    r.resource_rules.push_back({{"create"}, {"authentication.k8s.io"}, {"selfsubjectreviews"}, {}});
    r.non_resource_rules.push_back({{"*"}, {"*"}});
    return r;
  }
};

}  // namespace

std::unique_ptr<Authorizer> make_privileged_authorizer() { return std::make_unique<PrivilegedAuthorizer>(); }

}  // namespace mk::apiserver
