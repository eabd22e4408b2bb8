#include "server/apiserver/subresources/service_account_authn.h"

namespace mk::apiserver {

Result<ServiceAccountIdentity> authenticate_service_account(const ServiceAccountTokens& tokens,
                                                            const ObjectUidLookup& lookup, std::string_view token,
                                                            const std::vector<std::string>& audiences, int64_t now) {
  auto claims = tokens.verify(token, audiences, now);
  if (!claims) return claims.error();
  auto account_uid = lookup("ServiceAccount", claims->namespace_, claims->name);
  if (!account_uid)
    return make_error(Errc::invalid_argument, "service account " + claims->namespace_ + "/" + claims->name + " has been deleted");
  if (*account_uid != claims->uid)
    return make_error(Errc::invalid_argument, "service account uid (" + claims->uid + ") does not match its current uid (" +
                                                  *account_uid + ")");
  if (claims->bound) {
    const BoundObject& b = *claims->bound;
    std::string ns = b.kind == "Node" ? "" : claims->namespace_;
    auto uid = lookup(b.kind, ns, b.name);
    if (!uid) return make_error(Errc::invalid_argument, b.kind + " " + b.name + " the token is bound to has been deleted");
    if (!b.uid.empty() && *uid != b.uid)
      return make_error(Errc::invalid_argument, b.kind + " " + b.name + " the token is bound to has been recreated");
  }

  ServiceAccountIdentity id;
  id.user.name = claims->username();
  id.user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + claims->namespace_, "system:authenticated"};
  id.uid = claims->uid;
  const auto& wanted = audiences.empty() ? tokens.api_audiences() : audiences;
  for (const auto& a : claims->audiences)
    for (const auto& w : wanted)
      if (a == w) id.audiences.push_back(a);
  return id;
}

}  // namespace mk::apiserver
