#include "server/apiserver/patch.h"

#include <nlohmann/json.hpp>

#include "server/apiserver/merge/strategic_merge.h"

namespace mk::apiserver {

using nlohmann::json;

PatchType patch_type_of(const std::string& content_type) {
  std::string ct = content_type.substr(0, content_type.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct == "application/json-patch+json") return PatchType::json;
  if (ct == "application/merge-patch+json") return PatchType::merge;
  if (ct == "application/strategic-merge-patch+json") return PatchType::strategic;
  if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor") return PatchType::apply;
  return PatchType::unknown;
}

ApiResult<json> apply_patch(const api::KindInfo& kind, PatchType type, const json& current, const std::string& body) {
  json patch = json::parse(body, nullptr, false);
  if (patch.is_discarded()) return api::bad_request("error decoding patch: invalid JSON");
  switch (type) {
    case PatchType::json: {
      if (!patch.is_array()) return api::bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
      try {
        return current.patch(patch);
      } catch (const json::exception& e) {
        // As upstream: a 422 whose single cause carries the patch library's words, which
        // name the failing operation and its path.
        return api::ApiError{422, "Invalid", "the server rejected our request due to an error in our request",
                             {}, "", "", {{"UnexpectedServerResponse", e.what(), ""}}, 0};
      }
    }
    case PatchType::merge: {
      if (!patch.is_object()) return api::bad_request("error decoding patch: merge patch must be a JSON object");
      json result = current;
      result.merge_patch(patch);
      return result;
    }
    case PatchType::strategic: {
      if (!patch.is_object()) return api::bad_request("error decoding patch: strategic merge patch must be a JSON object");
      if (!kind.type) return api::unsupported_media_type("strategic merge patch is not supported for " + kind.plural);
      auto merged = strategic_merge(*kind.type, current, patch);
      if (!merged) return api::bad_request(merged.error().message);
      return std::move(*merged);
    }
    default:
      return api::unsupported_media_type("the body of the request was in an unknown format - accepted media types include: "
                                         "application/json-patch+json, application/merge-patch+json");
  }
}

}  // namespace mk::apiserver
