#include "server/apiserver/subresources/service_account_tokens.h"

#include <nlohmann/json.hpp>

#include "server/apiserver/subresources/base64url.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// Clock skew between the server that issued a token and the one checking it: go-jose's default,
// which kube-apiserver keeps.
constexpr int64_t kLeewaySeconds = 60;

Error invalid(std::string why) { return make_error(Errc::invalid_argument, std::move(why)); }

std::optional<json> decode_segment(std::string_view segment) {
  auto bytes = base64url_decode(segment);
  if (!bytes) return std::nullopt;
  json j = json::parse(*bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::string string_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> time_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  return it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
}

json ref(const std::string& name, const std::string& uid) { return {{"name", name}, {"uid", uid}}; }

}  // namespace

std::string ServiceAccountClaims::username() const { return "system:serviceaccount:" + namespace_ + ":" + name; }

ServiceAccountTokens::ServiceAccountTokens(std::shared_ptr<const TokenKey> key, std::string issuer)
    : key_(std::move(key)), issuer_(std::move(issuer)), api_audiences_{issuer_} {}

bool looks_like_jwt(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos || first == 0) return false;
  size_t second = token.find('.', first + 1);
  return second != std::string_view::npos && token.find('.', second + 1) == std::string_view::npos;
}

Result<std::string> ServiceAccountTokens::issue(const ServiceAccountClaims& c) const {
  json header = {{"alg", key_->algorithm()}, {"kid", key_->key_id()}};
  json k8s = {{"namespace", c.namespace_}, {"serviceaccount", ref(c.name, c.uid)}};
  if (c.bound) {
    std::string claim = c.bound->kind == "Pod" ? "pod" : c.bound->kind == "Secret" ? "secret" : "node";
    k8s[claim] = ref(c.bound->name, c.bound->uid);
  }
  json payload = {{"aud", c.audiences},
                  {"exp", c.expires_at},
                  {"iat", c.issued_at},
                  {"iss", issuer_},
                  {"jti", c.id},
                  {"kubernetes.io", std::move(k8s)},
                  {"nbf", c.issued_at},
                  {"sub", c.username()}};
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  auto sig = key_->sign(input);
  if (!sig) return sig.error();
  return input + "." + base64url_encode(*sig);
}

Result<ServiceAccountClaims> ServiceAccountTokens::verify(std::string_view token, const std::vector<std::string>& audiences,
                                                          int64_t now) const {
  if (!looks_like_jwt(token)) return invalid("not a JWT");
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  auto header = decode_segment(token.substr(0, first));
  if (!header) return invalid("malformed token header");
  if (string_of(*header, "alg") != key_->algorithm()) return invalid("unexpected signing algorithm");
  if (std::string kid = string_of(*header, "kid"); !kid.empty() && kid != key_->key_id())
    return invalid("signed by an unknown key");
  auto sig = base64url_decode(token.substr(second + 1));
  if (!sig || !key_->verify(token.substr(0, second), *sig)) return invalid("invalid signature");
  auto payload = decode_segment(token.substr(first + 1, second - first - 1));
  if (!payload) return invalid("malformed token claims");
  if (string_of(*payload, "iss") != issuer_) return invalid("issued by another issuer");

  ServiceAccountClaims c;
  auto exp = time_of(*payload, "exp");
  if (!exp) return invalid("the token has no expiry");
  c.expires_at = *exp;
  c.issued_at = time_of(*payload, "iat").value_or(0);
  if (now > c.expires_at + kLeewaySeconds) return invalid("the token has expired");
  if (auto nbf = time_of(*payload, "nbf"); nbf && now + kLeewaySeconds < *nbf) return invalid("the token is not valid yet");
  if (auto iat = time_of(*payload, "iat"); iat && now + kLeewaySeconds < *iat) return invalid("the token was issued in the future");

  // "aud" may be one string or a list (RFC 7519 §4.1.3).
  if (auto aud = payload->find("aud"); aud != payload->end()) {
    if (aud->is_string()) c.audiences.push_back(aud->get<std::string>());
    if (aud->is_array())
      for (const auto& a : *aud)
        if (a.is_string()) c.audiences.push_back(a.get<std::string>());
  }
  const auto& wanted = audiences.empty() ? api_audiences_ : audiences;
  bool audience_ok = false;
  for (const auto& a : c.audiences)
    for (const auto& w : wanted) audience_ok |= a == w;
  if (!audience_ok) return invalid("the token is not meant for this audience");

  auto k8s = payload->find("kubernetes.io");
  if (k8s == payload->end() || !k8s->is_object()) return invalid("the token names no service account");
  c.namespace_ = string_of(*k8s, "namespace");
  if (auto sa = k8s->find("serviceaccount"); sa != k8s->end() && sa->is_object()) {
    c.name = string_of(*sa, "name");
    c.uid = string_of(*sa, "uid");
  }
  if (c.namespace_.empty() || c.name.empty() || c.uid.empty()) return invalid("the token names no service account");
  if (string_of(*payload, "sub") != c.username()) return invalid("the token's subject does not name its service account");
  for (const auto& [claim, kind] : {std::pair{"pod", "Pod"}, std::pair{"secret", "Secret"}, std::pair{"node", "Node"}}) {
    auto b = k8s->find(claim);
    if (b == k8s->end() || !b->is_object()) continue;
    c.bound = BoundObject{kind, string_of(*b, "name"), string_of(*b, "uid")};
    break;  // upstream binds a token to one object; a pod-bound token's node is informational
  }
  c.id = string_of(*payload, "jti");
  return c;
}

}  // namespace mk::apiserver
