#include "server/apiserver/authn.h"

#include <openssl/crypto.h>

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

User Authenticator::authenticate(const http::Request& req) const {
  if (!req.peer_common_name.empty()) return User{req.peer_common_name, req.peer_organizations};
  std::string auth = req.header("Authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0)) {
    std::string token = auth.substr(7);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    std::lock_guard lock(mu_);
    // Constant-time comparison against each known token, so timing reveals nothing.
    for (const auto& [t, user] : tokens_) {
      if (t.size() == token.size() && CRYPTO_memcmp(t.data(), token.data(), t.size()) == 0) return user;
    }
  }
  return User{};
}

namespace {

class PrivilegedAuthorizer final : public Authorizer {
 public:
  std::string authorize(const User& user, const RequestInfo& info) const override {
    for (const auto& g : user.groups) {
      if (g == "system:masters" || g == "system:nodes") return "";
    }
    if (user.name.rfind("system:kube-", 0) == 0 || user.name.rfind("system:node:", 0) == 0) return "";
    if (!info.is_resource) return "";  // discovery, version, health, openapi
    std::string res = info.group.empty() ? info.resource : info.resource + "." + info.group;
    std::string msg = res + " is forbidden: User \"" + user.name + "\" cannot " + info.verb + " resource \"" +
                      info.resource + "\" in API group \"" + info.group + "\"";
    if (!info.namespace_.empty()) msg += " in the namespace \"" + info.namespace_ + "\"";
    else if (!info.name.empty() || info.verb == "list") msg += " at the cluster scope";
    return msg;
  }
};

}  // namespace

std::unique_ptr<Authorizer> make_privileged_authorizer() { return std::make_unique<PrivilegedAuthorizer>(); }

}  // namespace mk::apiserver
