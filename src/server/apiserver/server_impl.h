#pragma once
// Internal to the API server: the state its request handlers share.

#include <nlohmann/json.hpp>

#include <memory>
#include <thread>

#include "common/thread_pool.h"
#include "server/apiserver/api_server.h"
#include "server/apiserver/authn.h"
#include "server/apiserver/context.h"
#include "server/apiserver/metrics.h"
#include "server/apiserver/registry.h"
#include "server/apiserver/table.h"
#include "server/apiserver/watch_stream.h"
#include "http/response_writer.h"
#include "http/server.h"

namespace mk::apiserver {

struct ApiServer::Impl {
  ApiServerOptions options;
  std::unique_ptr<ThreadPool> workers;
  std::unique_ptr<ApiContext> ctx;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<Authenticator> authn;
  std::unique_ptr<Authorizer> authz;
  std::unique_ptr<WatchManager> watches;
  std::unique_ptr<http::Server> http;
  std::thread openapi_warmup;
  Metrics metrics;

  void handle(http::Request&& req, std::shared_ptr<http::ResponseWriter> w);
  void handle_resource(const http::Request& req, const RequestInfo& info, const Query& query, const User& user,
                       std::shared_ptr<http::ResponseWriter> w);
  void serve_resource(const api::KindInfo& kind, const http::Request& req, const RequestInfo& info, const Query& query,
                      const User& user, std::shared_ptr<http::ResponseWriter> w, bool table, IncludeObject inc);
};

using Writer = std::shared_ptr<http::ResponseWriter>;

void respond_json(const Writer& w, int code, const nlohmann::json& body, const std::vector<std::string>& warnings = {});
void respond_error(const Writer& w, const api::ApiError& e);

}  // namespace mk::apiserver
