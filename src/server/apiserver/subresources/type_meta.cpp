#include "server/apiserver/subresources/type_meta.h"

#include <string>

namespace mk::apiserver {

using nlohmann::json;

std::optional<api::ApiError> check_body_type(const json& body, std::string_view kind,
                                             std::initializer_list<std::string_view> api_versions) {
  if (!body.is_object()) return api::bad_request("the body of the request must be a JSON object");
  std::string got_kind = body.contains("kind") && body["kind"].is_string() ? body["kind"].get<std::string>() : "";
  std::string got_version =
      body.contains("apiVersion") && body["apiVersion"].is_string() ? body["apiVersion"].get<std::string>() : "";
  bool version_ok = got_version.empty();
  for (auto v : api_versions) version_ok |= got_version == v;
  bool kind_ok = got_kind.empty() || got_kind == kind;
  bool types_ok = (!body.contains("kind") || body["kind"].is_string()) &&
                  (!body.contains("apiVersion") || body["apiVersion"].is_string());
  if (kind_ok && version_ok && types_ok) {
    if (auto m = body.find("metadata"); m != body.end() && !m->is_object() && !m->is_null())
      return api::bad_request("metadata must be an object");
    return std::nullopt;
  }
  std::string expected(*api_versions.begin());
  return api::bad_request(got_kind + " in version \"" + got_version + "\" cannot be handled as a " + std::string(kind) +
                          ": the object's kind or apiVersion does not match the request (expected " + std::string(kind) +
                          " in " + expected + ")");
}

json success_status(int code) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}, {"code", code}};
}

}  // namespace mk::apiserver
