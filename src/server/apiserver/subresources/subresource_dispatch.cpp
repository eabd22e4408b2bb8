#include "server/apiserver/subresources/subresource_dispatch.h"

#include <algorithm>
#include <chrono>

#include "server/apiserver/patch.h"
#include "server/apiserver/subresources/binding.h"
#include "server/apiserver/subresources/eviction.h"
#include "server/apiserver/subresources/request_body.h"
#include "server/apiserver/subresources/scale.h"
#include "server/apiserver/subresources/token_request.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

ApiResult<SubresourceReply> reply(ApiResult<json> r, int code) {
  if (!r) return r.error();
  return SubresourceReply{code, std::move(*r)};
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ApiResult<SubresourceReply> serve_scale(Registry& registry, const SubresourceCall& c) {
  const std::string& ns = c.info.namespace_;
  const std::string& name = c.info.name;
  if (c.info.verb == "get") return reply(get_scale(registry, c.kind, ns, name), 200);
  if (c.info.verb == "update") {
    auto body = decode_request_body(c.req);
    if (!body) return body.error();
    return reply(update_scale(registry, c.kind, ns, name, *body, c.opts), 200);
  }
  PatchType type = patch_type_of(c.req.header("Content-Type"));
  if (type == PatchType::unknown)
    return api::unsupported_media_type("the body of the request was in an unknown format - accepted media types include: "
                                       "application/json-patch+json, application/merge-patch+json, "
                                       "application/strategic-merge-patch+json");
  return reply(patch_scale(registry, c.kind, ns, name, type, c.req.body, c.opts), 200);
}

}  // namespace

bool is_special_subresource(const std::string& subresource) {
  return !subresource.empty() && subresource != "status" && subresource != "finalize";
}

ApiResult<SubresourceReply> serve_subresource(Registry& registry, const SubresourceCall& c) {
  const std::string& sub = c.info.subresource;
  const api::Subresource* s = c.kind.subresource(sub);
  if (!s || c.info.name.empty()) return api::no_such_path();
  if (std::find(s->verbs.begin(), s->verbs.end(), c.info.verb) == s->verbs.end())
    return api::method_not_allowed("the server does not allow this method on the requested resource");
  const std::string& ns = c.info.namespace_;
  const std::string& name = c.info.name;

  if (sub == "scale") return serve_scale(registry, c);

  auto body = decode_request_body(c.req);
  if (!body) return body.error();
  if (sub == "binding") return reply(bind_pod(registry, ns, name, *body, c.opts), 201);
  if (sub == "eviction") return reply(evict_pod(registry, ns, name, *body, c.opts.dry_run), 201);
  if (sub == "token") return reply(request_token(registry, c.tokens, ns, name, std::move(*body), unix_now()), 201);
  return api::ApiError{503, "ServiceUnavailable",
                       "the " + c.kind.plural + "/" + sub + " subresource is not available on this server yet", name,
                       c.kind.group, c.kind.plural, {}, 0};
}

}  // namespace mk::apiserver
