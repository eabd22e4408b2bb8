#include "server/apiserver/subresources/request_body.h"

#include "api/protobuf/decode.h"
#include "api/yaml_json.h"

namespace mk::apiserver {

using nlohmann::json;

ApiResult<json> decode_request_body(const http::Request& req) {
  std::string ct = req.header("Content-Type");
  std::string media = ct.substr(0, ct.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  if (req.body.empty()) return api::bad_request("the request body is empty");
  if (media.empty() || media == "application/json" || media == "*/*") {
    json j = json::parse(req.body, nullptr, false);
    if (j.is_discarded()) return api::bad_request("the body of the request is not valid JSON");
    return j;
  }
  if (media == "application/yaml" || media == "application/x-yaml" || media == "text/yaml") {
    auto j = api::yaml_to_json(req.body);
    if (!j) return api::bad_request(j.error().message);
    return std::move(*j);
  }
  if (media == "application/vnd.kubernetes.protobuf") {
    auto decoded = api::proto::decode_kubernetes_protobuf(req.body);
    if (!decoded) return api::bad_request(decoded.error().message);
    return std::move(decoded->object);
  }
  return api::unsupported_media_type(
      "the body of the request was in an unknown format - accepted media types include: application/json, "
      "application/yaml, application/vnd.kubernetes.protobuf");
}

}  // namespace mk::apiserver
