#include "api_client.h"

#include <httplib.h>

#include <nlohmann/json.hpp>


namespace mk::bench {

ApiClient::ApiClient(std::unique_ptr<httplib::SSLClient> c) : c_(std::move(c)) {}
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;
ApiClient::~ApiClient() = default;

Result<ApiClient> ApiClient::connect(const TlsMaterial& tls, int port) {
  auto c = tls.client(port);
  if (!c) return c.error();
  return ApiClient(std::move(*c));
}

Result<HttpReply> ApiClient::get(const std::string& path) {
  auto res = c_->Get(path);
  if (!res) {
    return make_error(Errc::unavailable, "GET " + path + ": " + httplib::to_string(res.error()));
  }
  return HttpReply{res->status, std::move(res->body)};
}

Result<HttpReply> ApiClient::delete_json(const std::string& path, const std::string& body) {
  auto res = c_->Delete(path, body, "application/json");
  if (!res) {
    return make_error(Errc::unavailable, "DELETE " + path + ": " + httplib::to_string(res.error()));
  }
  return HttpReply{res->status, std::move(res->body)};
}

Result<HttpReply> ApiClient::post_json(const std::string& path, const std::string& body) {
  auto res = c_->Post(path, body, "application/json");
  if (!res) {
    return make_error(Errc::unavailable, "POST " + path + ": " + httplib::to_string(res.error()));
  }
  return HttpReply{res->status, std::move(res->body)};
}

Error http_error(const std::string& what, const HttpReply& reply) {
  std::string body = reply.body.substr(0, 200);
  return make_error(Errc::unavailable, what + ": HTTP " + std::to_string(reply.status) + " " + body);
}

Status ensure_namespace(ApiClient& client, const std::string& ns) {
  nlohmann::json body = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  auto reply = client.post_json("/api/v1/namespaces", body.dump());
  if (!reply) return reply.error();
  if (reply->status != 201 && reply->status != 409) return http_error("create namespace " + ns, *reply);
  return Status::ok();
}

Result<std::string> list_resource_version(ApiClient& client, const std::string& collection_path) {
  auto reply = client.get(collection_path + "?limit=1");
  if (!reply) return reply.error();
  if (reply->status != 200) return http_error("list " + collection_path, *reply);
  auto list = nlohmann::json::parse(reply->body, nullptr, false);
  if (list.is_discarded() || !list.is_object()) {
    return make_error(Errc::internal, "list " + collection_path + ": unparsable reply");
  }
  std::string rv;
  auto meta = list.find("metadata");
  if (meta != list.end() && meta->is_object()) rv = meta->value("resourceVersion", "");
  if (rv.empty()) return make_error(Errc::internal, "list " + collection_path + ": no resourceVersion");
  return rv;
}

}  // namespace mk::bench
