#include "server/apiserver/api_server.h"

#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "api/kinds/kind_info.h"
#include "api/yaml_json.h"
#include "common/log.h"
#include "server/apiserver/bootstrap.h"
#include "server/apiserver/discovery.h"
#include "server/apiserver/in_process_client.h"
#include "server/apiserver/metrics.h"
#include "server/apiserver/node_bootstrap.h"
#include "server/apiserver/openapi/openapi.h"
#include "server/apiserver/server_impl.h"
#include "server/apiserver/strategies.h"
#include "server/apiserver/subresources/review_handler.h"
#include "server/apiserver/subresources/reviews.h"
#include "server/apiserver/table.h"

namespace mk::apiserver {

using nlohmann::json;

void respond_json(const Writer& w, int code, const json& body, const std::vector<std::string>& warnings) {
  note_response_code(code);
  http::Headers h = {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}};
  for (const auto& warning : warnings) {
    std::string escaped;
    for (char c : warning) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    h.emplace_back("Warning", "299 - \"" + escaped + "\"");
  }
  w->respond(code, std::move(h), body.dump());
}

void respond_error(const Writer& w, const api::ApiError& e) {
  note_response_code(e.code);
  http::Headers h = {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}};
  if (e.retry_after_seconds > 0) h.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
  w->respond(e.code, std::move(h), e.to_status().dump());
}

namespace {

bool is_health_path(const std::string& p) {
  for (const char* base : {"/healthz", "/livez", "/readyz"}) {
    std::string b = base;
    if (p == b || p == b + "/" || p.rfind(b + "/", 0) == 0) return true;
  }
  return false;
}

}  // namespace

void ApiServer::Impl::handle(http::Request&& req, Writer w) {
  Query query = parse_query(req.query);
  auto info = resolve_request(req.method, req.path, query);
  if (!info) return respond_error(w, api::no_such_path());
  const std::string& path = info->path;

  // Anonymous endpoints.
  if (is_health_path(path)) {
    if (req.method != "GET" && req.method != "HEAD") return respond_error(w, api::method_not_allowed("only GET is allowed"));
    w->respond(200, {{"Content-Type", "text/plain; charset=utf-8"}, {"X-Content-Type-Options", "nosniff"}}, "ok");
    return;
  }
  if (path == "/version" || path == "/version/") return respond_json(w, 200, version_info());
  // The cluster CA for joining agents, as k3s serves it: the agent trusts it only when its
  // SHA-256 matches the hash in its join token.
  if (path == "/cacerts" && !options.server_ca_pem.empty()) {
    w->respond(200, {{"Content-Type", "text/plain; charset=utf-8"}}, options.server_ca_pem);
    return;
  }

  User user = authn->authenticate(req);
  if (!user.authenticated()) return respond_error(w, api::unauthorized());
  if (path.rfind(kNodeBootstrapPrefix, 0) == 0) return serve_node_bootstrap(options, req, user, w);
  if (std::string why = authz->authorize(user, *info); !why.empty()) return respond_error(w, api::forbidden(why));

  if (info->is_resource && is_review_resource(*info)) return handle_review(*this, req, *info, user, w);
  if (info->is_resource) return handle_resource(req, *info, query, user, w);

  // Discovery. The Python client adds a trailing slash.
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::string accept = req.header("Accept");
  const auto& kinds = api::KindRegistry::builtin();
  if (p == "/api") {
    if (wants_aggregated(accept)) {
      w->respond(200, {{"Content-Type", kAggregatedContentType}, {"Vary", "Accept"}}, aggregated(kinds, true).dump());
      return;
    }
    return respond_json(w, 200, api_versions(options.advertise_address));
  }
  if (p == "/apis") {
    if (wants_aggregated(accept)) {
      w->respond(200, {{"Content-Type", kAggregatedContentType}, {"Vary", "Accept"}}, aggregated(kinds, false).dump());
      return;
    }
    return respond_json(w, 200, api_group_list(kinds));
  }
  if (p == "/api/v1") {
    if (auto r = api_resource_list(kinds, "", "v1")) return respond_json(w, 200, *r);
  }
  if (p.rfind("/apis/", 0) == 0) {
    std::string rest = p.substr(6);
    auto slash = rest.find('/');
    if (slash == std::string::npos) {
      if (auto g = api_group(kinds, rest)) return respond_json(w, 200, *g);
    } else if (auto r = api_resource_list(kinds, rest.substr(0, slash), rest.substr(slash + 1))) {
      return respond_json(w, 200, *r);
    }
  }
  if (p == "/openapi/v3" || p.rfind("/openapi/v3/", 0) == 0 || p == "/openapi/v2") {
    // Built once, off the request path after start-up; the first callers wait for it.
    const auto& docs = openapi::builtin_documents();
    if (p == "/openapi/v2") {
      w->respond(200, {{"Content-Type", "application/json"}}, docs.v2);
      return;
    }
    if (p == "/openapi/v3") {
      w->respond(200, {{"Content-Type", "application/json"}}, docs.v3_root);
      return;
    }
    if (const auto* doc = docs.find_v3(p.substr(std::string("/openapi/v3/").size()))) {
      w->respond(200, {{"Content-Type", "application/json"}, {"ETag", "\"" + doc->hash + "\""}}, doc->body);
      return;
    }
    return respond_error(w, api::no_such_path());
  }
  if (p == "/metrics") {
    auto st = ctx->objects.kv().stats();
    std::string body;
    body += "# HELP apiserver_registered_watchers Open watch streams.\n# TYPE apiserver_registered_watchers gauge\n";
    body += "apiserver_registered_watchers " + std::to_string(ctx->open_watches.load()) + "\n";
    body += "# HELP minikube_store_revision The datastore's current revision.\n# TYPE minikube_store_revision gauge\n";
    body += "minikube_store_revision " + std::to_string(st.revision) + "\n";
    body += "# HELP apiserver_storage_db_total_size_in_bytes Size of the datastore files.\n# TYPE apiserver_storage_db_total_size_in_bytes gauge\n";
    body += "apiserver_storage_db_total_size_in_bytes " + std::to_string(st.db_size_bytes) + "\n";
    body += "# HELP apiserver_longrunning_requests Open watch streams.\n# TYPE apiserver_longrunning_requests gauge\n";
    body += "apiserver_longrunning_requests{verb=\"WATCH\"} " + std::to_string(ctx->open_watches.load()) + "\n";
    w->respond(200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}, metrics.render(body));
    return;
  }
  respond_error(w, api::no_such_path());
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(store::Store& store, const ApiServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->workers = std::make_unique<ThreadPool>(static_cast<size_t>(std::max(2, options.workers)));
  impl->ctx = std::unique_ptr<ApiContext>(new ApiContext{ObjectStore(store), api::KindRegistry::builtin(),
                                                        *impl->workers, strategy_for, {}, options.service_cidr,
                                                        options.cluster_dns});
  impl->registry = std::make_unique<Registry>(*impl->ctx);
  auto authn = Authenticator::load(options.token_file);
  if (!authn) return authn.error();
  impl->authn = std::move(*authn);
  if (!options.node_token.empty()) impl->authn->add_token(options.node_token, User{"node", {"system:nodes"}});
  if (!options.service_account_key_pem.empty()) {
    auto key = TokenKey::load(options.service_account_key_pem);
    if (!key) return key.error();
    ApiContext* ctx = impl->ctx.get();
    // Tokens name objects by kind; a token stays valid while they exist with the same uid.
    auto lookup = [ctx](const std::string& kind, const std::string& ns, const std::string& name) -> std::optional<std::string> {
      const api::KindInfo* k = ctx->kinds.by_kind("", "v1", kind);
      if (!k) return std::nullopt;
      auto obj = ctx->objects.get(*k, k->namespaced ? ns : "", name);
      if (!obj) return std::nullopt;
      return api::string_at(*obj, "metadata.uid");
    };
    impl->authn->use_service_account_tokens(
        std::make_shared<ServiceAccountTokens>(std::move(*key), options.service_account_issuer), lookup);
  }
  impl->authz = make_privileged_authorizer();
  impl->watches = std::make_unique<WatchManager>(*impl->ctx, *impl->registry);

  std::string address = options.advertise_address.substr(0, options.advertise_address.rfind(':'));
  if (auto s = bootstrap_cluster_objects(*impl->registry, address, options.port); !s) return s.error().wrap("bootstrap");

  http::ServerOptions ho;
  ho.bind_address = options.bind_address;
  ho.port = options.port;
  ho.cert_pem = options.cert_pem;
  ho.key_pem = options.key_pem;
  ho.client_ca_pem = options.client_ca_pem;
  ho.plain_http = options.cert_pem.empty();
  ho.threads = options.io_threads;
  Impl* raw = impl.get();
  auto server = http::Server::start(ho, [raw](http::Request&& req, Writer w) {
    try {
      raw->handle(std::move(req), w);
    } catch (const std::exception& e) {
      MK_LOG(error) << "apiserver: " << e.what();
      respond_error(w, api::internal_error(e.what()));
    }
  });
  if (!server) return server.error().wrap("api server");
  impl->http = std::move(*server);
  // The OpenAPI documents take a few hundred milliseconds to build: do it after serving starts.
  impl->openapi_warmup = std::thread([] { (void)openapi::builtin_documents(); });
  MK_LOG(info) << "apiserver: serving on " << options.bind_address << ":" << impl->http->port();
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { shutdown(1000); }

std::unique_ptr<client::ApiClient> ApiServer::in_process_client(const User& user) {
  return make_in_process_client(*impl_->registry, user);
}

int ApiServer::port() const { return impl_->http ? impl_->http->port() : 0; }

Status ApiServer::reload_tls(const std::string& cert_pem, const std::string& key_pem, const std::string& client_ca_pem) {
  if (!impl_ || !impl_->http) return make_error(Errc::unavailable, "reload TLS: the API server is not serving");
  return impl_->http->reload_tls(cert_pem, key_pem, client_ca_pem);
}

void ApiServer::shutdown(int grace_ms) {
  if (!impl_) return;
  if (impl_->openapi_warmup.joinable()) impl_->openapi_warmup.join();
  if (!impl_->http) return;
  impl_->watches->close_all();
  impl_->http->shutdown(std::chrono::milliseconds(grace_ms));
  impl_->http.reset();
}

}  // namespace mk::apiserver
