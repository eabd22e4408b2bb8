#include "client/https_client.h"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "common/sigpipe.h"

namespace mk::client {
namespace {

using nlohmann::json;

struct Endpoint {
  std::string host;
  int port = 443;
};

Result<Endpoint> parse_server(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) return make_error(Errc::invalid_argument, "server URL " + url + ": must start with https://");
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  Endpoint e;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {  // [v6 address]:port
    auto close = rest.find(']');
    if (close == std::string::npos) return make_error(Errc::invalid_argument, "server URL " + url + ": unclosed [");
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
    rest = rest.substr(1, close - 1);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    port = rest.substr(colon + 1);
    rest.resize(colon);
  }
  if (!port.empty()) {
    try {
      e.port = std::stoi(port);
    } catch (...) {
      return make_error(Errc::invalid_argument, "server URL " + url + ": bad port");
    }
  }
  if (rest.empty()) return make_error(Errc::invalid_argument, "server URL " + url + ": no host");
  e.host = rest;
  return e;
}

// OpenSSL objects from PEM, owned until handed to httplib.
struct Credentials {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  ~Credentials() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

X509_STORE* ca_store(const std::string& pem) {
  X509_STORE* store = X509_STORE_new();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, c);
    X509_free(c);
  }
  BIO_free(bio);
  return store;
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void add_param(std::string& query, const char* name, const std::string& value) {
  if (value.empty()) return;
  query += query.empty() ? "?" : "&";
  query += name;
  query += "=" + url_encode(value);
}

api::ApiError error_of(const httplib::Result& res) {
  if (!res) {
    return api::ApiError{503, "ServiceUnavailable", "request failed: " + httplib::to_string(res.error()), {}, {}, {}, {}, 0};
  }
  json status = json::parse(res->body, nullptr, false);
  api::ApiError e;
  e.code = res->status;
  if (status.is_object() && status.value("kind", "") == "Status") {
    e.reason = status.value("reason", "");
    e.message = status.value("message", "");
    if (const auto d = status.find("details"); d != status.end() && d->is_object()) {
      e.name = d->value("name", "");
      e.group = d->value("group", "");
      e.kind = d->value("kind", "");
    }
  } else {
    e.reason = "Unknown";
    e.message = "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 200);
  }
  return e;
}

class HttpsClient;

// One watch stream on its own connection; the destructor closes it and joins the reader.
class HttpsWatch final : public WatchHandle {
 public:
  HttpsWatch(std::unique_ptr<httplib::SSLClient> conn, std::string path, std::function<bool(const WatchEvent&)> on_event,
             std::function<void(const std::string&)> on_end)
      : conn_(std::move(conn)) {
    thread_ = std::thread([this, path = std::move(path), on_event = std::move(on_event), on_end = std::move(on_end)] {
      read(path, on_event, on_end);
      done_ = true;
    });
  }
  ~HttpsWatch() override {
    stop_ = true;
    // stop() interrupts only a request already in flight: one whose connection is still being
    // made when it is called would then wait for events that may never come. So stop until
    // the reader has finished.
    while (!done_) {
      conn_->stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void read(const std::string& path, const std::function<bool(const WatchEvent&)>& on_event,
            const std::function<void(const std::string&)>& on_end) {
    if (stop_) return;
    std::string buffer;
    bool consumer_stopped = false;
    auto res = conn_->Get(path.c_str(), [&](const char* data, size_t len) {
      if (stop_) return false;
      buffer.append(data, len);
      size_t start = 0;
      for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
        json ev = json::parse(buffer.begin() + static_cast<std::ptrdiff_t>(start),
                              buffer.begin() + static_cast<std::ptrdiff_t>(nl), nullptr, false);
        if (!ev.is_object()) continue;
        json object = ev.value("object", json::object());
        WatchEvent we{ev.value("type", ""), &object};
        if (!on_event(we)) {
          consumer_stopped = true;
          return false;
        }
      }
      buffer.erase(0, start);
      return true;
    });
    if (stop_ || consumer_stopped) return;
    if (on_end) {
      if (!res) on_end("watch stream: " + httplib::to_string(res.error()));
      else if (res->status != 200) on_end("watch: " + error_of(res).message);
      else on_end("watch stream ended");
    }
  }

  std::unique_ptr<httplib::SSLClient> conn_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

class HttpsClient final : public ApiClient {
 public:
  HttpsClient(HttpsClientConfig config, Endpoint endpoint) : config_(std::move(config)), endpoint_(std::move(endpoint)) {}

  Result<std::unique_ptr<httplib::SSLClient>> connect(int read_timeout_seconds) const {
    std::unique_ptr<httplib::SSLClient> c;
    if (!config_.cert_pem.empty()) {
      Credentials creds;
      BIO* b = BIO_new_mem_buf(config_.cert_pem.data(), static_cast<int>(config_.cert_pem.size()));
      creds.cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
      BIO_free(b);
      b = BIO_new_mem_buf(config_.key_pem.data(), static_cast<int>(config_.key_pem.size()));
      creds.key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
      BIO_free(b);
      if (!creds.cert || !creds.key) return make_error(Errc::invalid_argument, "client certificate: cannot read PEM");
      c = std::make_unique<httplib::SSLClient>(endpoint_.host, endpoint_.port, creds.cert, creds.key);
    } else {
      c = std::make_unique<httplib::SSLClient>(endpoint_.host, endpoint_.port);
    }
    if (!config_.ca_pem.empty()) {
      c->set_ca_cert_store(ca_store(config_.ca_pem));
      c->enable_server_certificate_verification(true);
    } else {
      c->enable_server_certificate_verification(false);
    }
    if (!config_.bearer_token.empty()) c->set_bearer_token_auth(config_.bearer_token.c_str());
    c->set_keep_alive(true);
    c->set_connection_timeout(10, 0);
    c->set_read_timeout(read_timeout_seconds, 0);
    c->set_write_timeout(config_.timeout_seconds, 0);
    c->set_default_headers({{"User-Agent", config_.user_agent}, {"Accept", "application/json"}});
    return c;
  }

  Status init() {
    auto c = connect(config_.timeout_seconds);
    if (!c) return c.error();
    rest_ = std::move(*c);
    return Status::ok();
  }

  Response<json> get(const Resource& r, const std::string& ns, const std::string& name) override {
    return call("GET", resource_path(r, ns, name), "", "");
  }

  Response<json> list(const Resource& r, const std::string& ns, const ListOptions& opts) override {
    std::string q;
    add_param(q, "labelSelector", opts.label_selector);
    add_param(q, "fieldSelector", opts.field_selector);
    if (opts.limit > 0) add_param(q, "limit", std::to_string(opts.limit));
    add_param(q, "continue", opts.continue_token);
    add_param(q, "resourceVersion", opts.resource_version);
    return call("GET", resource_path(r, ns) + q, "", "");
  }

  Response<json> create(const Resource& r, const std::string& ns, const json& obj) override {
    return call("POST", resource_path(r, ns), obj.dump(), "application/json");
  }

  Response<json> create_subresource(const Resource& r, const std::string& ns, const std::string& name,
                                    const std::string& subresource, const json& body) override {
    return call("POST", resource_path(r, ns, name, subresource), body.dump(), "application/json");
  }

  Response<json> update(const Resource& r, const std::string& ns, const json& obj, const std::string& subresource) override {
    std::string name = obj.contains("metadata") ? obj["metadata"].value("name", "") : "";
    return call("PUT", resource_path(r, ns, name, subresource), obj.dump(), "application/json");
  }

  Response<json> patch(const Resource& r, const std::string& ns, const std::string& name, const std::string& content_type,
                       const std::string& body, const std::string& subresource) override {
    return call("PATCH", resource_path(r, ns, name, subresource), body, content_type);
  }

  Response<json> remove(const Resource& r, const std::string& ns, const std::string& name,
                        const json& delete_options) override {
    return call("DELETE", resource_path(r, ns, name), delete_options.is_null() ? "" : delete_options.dump(),
                "application/json");
  }

  Response<std::unique_ptr<WatchHandle>> watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
                                               std::function<bool(const WatchEvent&)> on_event,
                                               std::function<void(const std::string&)> on_end) override {
    std::string q = "?watch=true";
    add_param(q, "labelSelector", opts.label_selector);
    add_param(q, "fieldSelector", opts.field_selector);
    if (opts.bookmarks) q += "&allowWatchBookmarks=true";
    if (opts.resource_version.empty()) {
      // The current state first, as ADDED events, like the in-process client.
      q += "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan";
    } else {
      add_param(q, "resourceVersion", opts.resource_version);
    }
    // Watches are long-lived: the read timeout is the server's watch timeout and then some.
    auto conn = connect(3600);
    if (!conn) return api::ApiError{400, "BadRequest", conn.error().message, {}, {}, {}, {}, 0};
    return std::unique_ptr<WatchHandle>(
        std::make_unique<HttpsWatch>(std::move(*conn), resource_path(r, ns) + q, std::move(on_event), std::move(on_end)));
  }

 private:
  Response<json> call(const char* method, const std::string& path, const std::string& body, const std::string& content_type) {
    std::lock_guard lock(mu_);
    httplib::Result res{nullptr, httplib::Error::Unknown};
    std::string m = method;
    if (m == "GET") res = rest_->Get(path.c_str());
    else if (m == "POST") res = rest_->Post(path.c_str(), body, content_type.c_str());
    else if (m == "PUT") res = rest_->Put(path.c_str(), body, content_type.c_str());
    else if (m == "PATCH") res = rest_->Patch(path.c_str(), body, content_type.c_str());
    else res = rest_->Delete(path.c_str(), body, content_type.c_str());
    if (!res || res->status < 200 || res->status >= 300) return error_of(res);
    json out = json::parse(res->body, nullptr, false);
    if (out.is_discarded()) return api::ApiError{500, "InternalError", "response is not JSON", {}, {}, {}, {}, 0};
    return out;
  }

  HttpsClientConfig config_;
  Endpoint endpoint_;
  std::mutex mu_;
  std::unique_ptr<httplib::SSLClient> rest_;
};

}  // namespace

std::string resource_path(const Resource& r, const std::string& ns, const std::string& name, const std::string& subresource) {
  std::string p = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (!ns.empty()) p += "/namespaces/" + ns;
  p += "/" + r.plural;
  if (!name.empty()) p += "/" + name;
  if (!subresource.empty()) p += "/" + subresource;
  return p;
}

Result<std::unique_ptr<ApiClient>> make_https_client(const HttpsClientConfig& config) {
  // A server that closed a kept-alive connection must not kill the process.
  ignore_sigpipe();
  auto endpoint = parse_server(config.server);
  if (!endpoint) return endpoint.error();
  auto client = std::make_unique<HttpsClient>(config, *endpoint);
  if (auto ok = client->init(); !ok) return ok.error();
  return std::unique_ptr<ApiClient>(std::move(client));
}

}  // namespace mk::client
