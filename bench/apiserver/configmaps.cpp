#include "configmaps.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace mk::apibench {

std::string configmap_json(const std::string& name, size_t payload_bytes) {
  // A fixed filler: the figures are about the API path, not about compressible data.
  nlohmann::json cm = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", name}, {"labels", {{"app", "apiserver-bench"}}}}},
                       {"data", {{"payload", std::string(payload_bytes, 'x')}}}};
  return cm.dump();
}

std::string configmaps_path(const std::string& ns) { return "/api/v1/namespaces/" + ns + "/configmaps"; }

Result<long> open_watch_count(bench::ApiClient& client) {
  auto reply = client.get("/metrics");
  if (!reply) return reply.error();
  if (reply->status != 200) return bench::http_error("GET /metrics", *reply);
  const std::string metric = "apiserver_longrunning_requests{verb=\"WATCH\"} ";
  size_t at = reply->body.find(metric);
  if (at == std::string::npos) return make_error(Errc::not_found, "/metrics: no open-watch gauge");
  return std::strtol(reply->body.c_str() + at + metric.size(), nullptr, 10);
}

}  // namespace mk::apibench
