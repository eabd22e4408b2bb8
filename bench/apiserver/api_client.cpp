#include "api_client.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace mk::apibench {

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

Result<HttpReply> ApiClient::post_json(const std::string& path, const std::string& body) {
  auto res = c_->Post(path, body, "application/json");
  if (!res) {
    return make_error(Errc::unavailable, "POST " + path + ": " + httplib::to_string(res.error()));
  }
  return HttpReply{res->status, std::move(res->body)};
}

std::string configmap_json(const std::string& name, size_t payload_bytes) {
  // A fixed filler: the figures are about the API path, not about compressible data.
  nlohmann::json cm = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", name}, {"labels", {{"app", "apiserver-bench"}}}}},
                       {"data", {{"payload", std::string(payload_bytes, 'x')}}}};
  return cm.dump();
}

std::string configmaps_path(const std::string& ns) { return "/api/v1/namespaces/" + ns + "/configmaps"; }

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

Result<std::string> list_resource_version(ApiClient& client, const std::string& ns) {
  auto reply = client.get(configmaps_path(ns) + "?limit=1");
  if (!reply) return reply.error();
  if (reply->status != 200) return http_error("list configmaps in " + ns, *reply);
  auto list = nlohmann::json::parse(reply->body, nullptr, false);
  if (list.is_discarded() || !list.is_object()) {
    return make_error(Errc::internal, "list configmaps: unparsable reply");
  }
  std::string rv;
  auto meta = list.find("metadata");
  if (meta != list.end() && meta->is_object()) rv = meta->value("resourceVersion", "");
  if (rv.empty()) return make_error(Errc::internal, "list configmaps: no resourceVersion");
  return rv;
}

Result<long> open_watch_count(ApiClient& client) {
  auto reply = client.get("/metrics");
  if (!reply) return reply.error();
  if (reply->status != 200) return http_error("GET /metrics", *reply);
  const std::string metric = "apiserver_longrunning_requests{verb=\"WATCH\"} ";
  size_t at = reply->body.find(metric);
  if (at == std::string::npos) return make_error(Errc::not_found, "/metrics: no open-watch gauge");
  return std::strtol(reply->body.c_str() + at + metric.size(), nullptr, 10);
}

}  // namespace mk::apibench
