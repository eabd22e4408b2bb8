#include "runtime/image/registry_client.h"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <chrono>
#include <map>
#include <thread>

#include "common/log.h"
#include "runtime/image/manifest.h"

namespace mk::runtime::image {
namespace {

constexpr int kAttempts = 4;
constexpr size_t kMaxManifest = 4 << 20;

struct Url {
  std::string origin;  // scheme://host[:port]
  std::string host;    // host[:port]
  std::string path;    // /path?query
};

Result<Url> parse_url(const std::string& text) {
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string::npos || (!text.starts_with("http://") && !text.starts_with("https://"))) {
    return make_error(Errc::invalid_argument, "URL \"" + text + "\": not http or https");
  }
  size_t path_start = text.find('/', scheme_end + 3);
  Url u;
  u.origin = text.substr(0, path_start);
  u.host = u.origin.substr(scheme_end + 3);
  u.path = path_start == std::string::npos ? "/" : text.substr(path_start);
  return u;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// `Bearer realm="https://auth",service="registry",scope="repository:a:pull"` -> scheme + params.
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};

Challenge parse_challenge(const std::string& header) {
  Challenge c;
  size_t space = header.find(' ');
  c.scheme = header.substr(0, space);
  for (auto& ch : c.scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t i = space == std::string::npos ? header.size() : space + 1;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    size_t eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = header.substr(i, eq - i);
    std::string value;
    i = eq + 1;
    if (i < header.size() && header[i] == '"') {
      for (++i; i < header.size() && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i];
      }
      ++i;
    } else {
      size_t end = header.find(',', i);
      value = header.substr(i, end == std::string::npos ? std::string::npos : end - i);
      i = end == std::string::npos ? header.size() : end;
    }
    c.params[key] = value;
  }
  return c;
}

std::string query_escape(const std::string& s) {
  std::string out;
  static const char* const kHex = "0123456789ABCDEF";
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') out += static_cast<char>(ch);
    else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

}  // namespace

struct RegistryClient::Impl {
  Endpoint endpoint;
  std::string repository;
  std::string authorization;  // "Bearer ..." or "Basic ..." once a challenge was answered
  int last_status = 0;        // of the response whose body is being received

  std::unique_ptr<httplib::Client> client_for(const std::string& origin) const {
    auto c = std::make_unique<httplib::Client>(origin);
    c->set_connection_timeout(10, 0);
    c->set_read_timeout(60, 0);
    c->set_follow_location(false);
    c->enable_server_certificate_verification(!endpoint.config.tls.insecure_skip_verify);
    if (!endpoint.config.tls.ca_file.empty()) c->set_ca_cert_path(endpoint.config.tls.ca_file.c_str());
    return c;
  }

  struct Reply {
    int status = 0;
    httplib::Headers headers;
    std::string error_body;  // the start of a non-2xx body
  };

  // GET with redirects; 2xx bodies go to `sink` (return false to stop), others are kept short.
  Result<Reply> get(const std::string& url_text, httplib::Headers headers,
                    const std::function<bool(const char*, size_t)>& sink) {
    std::string current = url_text;
    bool same_host = true;
    for (int redirects = 0; redirects < 6; ++redirects) {
      auto url = parse_url(current);
      if (!url) return url.error();
      httplib::Headers h = headers;
      if (same_host && !authorization.empty()) h.emplace("Authorization", authorization);
      auto client = client_for(url->origin);
      Reply reply;
      auto res = client->Get(
          url->path, h,
          [&](const httplib::Response& r) {
            reply.status = r.status;
            last_status = r.status;
            reply.headers = r.headers;
            return true;
          },
          [&](const char* data, size_t len) {
            if (reply.status >= 200 && reply.status < 300) return sink(data, len);
            if (reply.error_body.size() < 512) reply.error_body.append(data, std::min(len, size_t{512}));
            return true;
          });
      if (!res && reply.status == 0) {
        return make_error(Errc::unavailable, "GET " + current + ": " + httplib::to_string(res.error()));
      }
      if (!res && !(reply.status >= 200 && reply.status < 300)) {
        return make_error(Errc::unavailable, "GET " + current + ": " + httplib::to_string(res.error()));
      }
      if (!res) return make_error(Errc::unavailable, "GET " + current + ": " + httplib::to_string(res.error()));
      if (reply.status >= 300 && reply.status < 400) {
        auto loc = reply.headers.find("Location");
        if (loc == reply.headers.end()) return make_error(Errc::corrupt, "GET " + current + ": redirect without a Location");
        std::string next = loc->second;
        if (next.starts_with("/")) next = url->origin + next;
        auto next_url = parse_url(next);
        if (!next_url) return next_url.error();
        same_host = same_host && next_url->host == url->host;
        current = next;
        continue;
      }
      return reply;
    }
    return make_error(Errc::unavailable, "GET " + url_text + ": too many redirects");
  }

  // Answers a 401's challenge: a token from the realm for Bearer, the credentials for Basic.
  Status authenticate(const httplib::Headers& headers) {
    auto it = headers.find("WWW-Authenticate");
    if (it == headers.end()) return make_error(Errc::permission_denied, "registry " + endpoint.host + ": 401 without a challenge");
    Challenge c = parse_challenge(it->second);
    const RegistryAuth& auth = endpoint.config.auth;
    if (c.scheme == "basic") {
      if (auth.username.empty()) return make_error(Errc::permission_denied, "registry " + endpoint.host + ": asks for credentials and none are configured");
      authorization = "Basic " + base64(auth.username + ":" + auth.password);
      return Status::ok();
    }
    if (c.scheme != "bearer" || c.params["realm"].empty()) {
      return make_error(Errc::unsupported, "registry " + endpoint.host + ": unsupported challenge \"" + it->second + "\"");
    }
    std::string url = c.params["realm"];
    url += url.find('?') == std::string::npos ? "?" : "&";
    url += "service=" + query_escape(c.params["service"]);
    std::string scope = c.params.count("scope") ? c.params["scope"] : "repository:" + repository + ":pull";
    url += "&scope=" + query_escape(scope);
    auto realm = parse_url(url);
    if (!realm) return realm.error();
    httplib::Headers h;
    if (!auth.username.empty()) h.emplace("Authorization", "Basic " + base64(auth.username + ":" + auth.password));
    else if (!auth.identity_token.empty()) h.emplace("Authorization", "Basic " + base64("<token>:" + auth.identity_token));
    auto client = client_for(realm->origin);
    auto res = client->Get(realm->path, h);
    if (!res) return make_error(Errc::unavailable, "get token from " + realm->origin + ": " + httplib::to_string(res.error()));
    if (res->status != 200) {
      return make_error(Errc::permission_denied, "get token from " + realm->origin + ": HTTP " + std::to_string(res->status));
    }
    nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    std::string token;
    if (j.is_object()) token = j.value("token", j.value("access_token", ""));
    if (token.empty()) return make_error(Errc::corrupt, "get token from " + realm->origin + ": no token in the answer");
    authorization = "Bearer " + token;
    return Status::ok();
  }

  // GET with one re-authentication on 401.
  Result<Reply> get_authenticated(const std::string& path, const httplib::Headers& headers,
                                  const std::function<bool(const char*, size_t)>& sink) {
    for (int round = 0; round < 2; ++round) {
      auto reply = get(endpoint.url + path, headers, sink);
      if (!reply) return reply;
      if (reply->status != 401 || round == 1) return reply;
      if (auto ok = authenticate(reply->headers); !ok) return ok.error();
    }
    return make_error(Errc::internal, "unreachable");
  }
};

RegistryClient::RegistryClient(Endpoint endpoint, std::string repository) : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = std::move(endpoint);
  impl_->repository = std::move(repository);
}

RegistryClient::~RegistryClient() = default;

Result<ManifestResponse> RegistryClient::get_manifest(const std::string& reference) {
  std::string what = "manifest " + impl_->endpoint.host + "/" + impl_->repository + ":" + reference;
  ManifestResponse out;
  bool too_large = false;
  auto reply = impl_->get_authenticated("/v2/" + impl_->repository + "/manifests/" + reference,
                                        {{"Accept", std::string(media_type::kManifestAccept)}},
                                        [&](const char* data, size_t len) {
                                          if (out.body.size() + len > kMaxManifest) {
                                            too_large = true;
                                            return false;
                                          }
                                          out.body.append(data, len);
                                          return true;
                                        });
  if (too_large) return make_error(Errc::too_large, what + ": larger than 4 MiB");
  if (!reply) return reply.error().wrap(what);
  if (reply->status == 404) return make_error(Errc::not_found, what + ": not found");
  if (reply->status != 200) {
    return make_error(Errc::unavailable, what + ": HTTP " + std::to_string(reply->status) + " " + reply->error_body.substr(0, 200));
  }
  if (auto it = reply->headers.find("Content-Type"); it != reply->headers.end()) out.content_type = it->second;
  if (auto it = reply->headers.find("Docker-Content-Digest"); it != reply->headers.end()) out.digest = it->second;
  return out;
}

Status RegistryClient::fetch_blob(const std::string& digest, int64_t size, BlobWriter& writer, const ProgressFn& progress) {
  std::string what = "blob " + impl_->endpoint.host + "/" + impl_->repository + "@" + digest;
  Error last{Errc::unavailable, what + ": not fetched"};
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) {
      MK_LOG(info) << "image pull: " << last.message << "; retrying from byte " << writer.written();
      std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));  // back off
    }
    httplib::Headers headers;
    int64_t offset = writer.written();
    if (offset > 0) headers.emplace("Range", "bytes=" + std::to_string(offset) + "-");
    Status write_status;
    bool first_chunk = true;
    auto reply = impl_->get_authenticated("/v2/" + impl_->repository + "/blobs/" + digest, headers,
                                          [&](const char* data, size_t len) {
                                            // A server that ignores Range sends it all again.
                                            if (first_chunk && offset > 0 && impl_->last_status == 200) {
                                              write_status = writer.restart();
                                              if (!write_status) return false;
                                            }
                                            first_chunk = false;
                                            write_status = writer.write(data, len);
                                            if (progress) progress(digest, writer.written(), size);
                                            return static_cast<bool>(write_status);
                                          });
    if (!write_status) return write_status.error().wrap(what);
    if (!reply) {
      last = reply.error().wrap(what);
      continue;
    }
    if (reply->status == 404) return make_error(Errc::not_found, what + ": not found");
    if (reply->status != 200 && reply->status != 206) {
      last = make_error(Errc::unavailable, what + ": HTTP " + std::to_string(reply->status));
      if (reply->status == 401 || reply->status == 403) return last;
      continue;
    }
    if (size >= 0 && writer.written() < size) {
      last = make_error(Errc::unavailable, what + ": connection ended after " + std::to_string(writer.written()) +
                                               " of " + std::to_string(size) + " bytes");
      continue;
    }
    return writer.commit();
  }
  return last;
}

}  // namespace mk::runtime::image
