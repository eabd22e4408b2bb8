#pragma once
// The API client every component uses to talk to the API server: controllers and the
// scheduler in the server process (in-process transport), the agent and tools over HTTPS.
// Objects are JSON; errors are Kubernetes Status values (code, reason, message).

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/status.h"

namespace mk::client {

// A resource: group ("" for core), version and plural, e.g. {"apps", "v1", "deployments"}.
struct Resource {
  std::string group;
  std::string version;
  std::string plural;
};

template <typename T>
class Response {
 public:
  Response(T v) : value_(std::move(v)) {}
  Response(api::ApiError e) : error_(std::move(e)) {}
  explicit operator bool() const { return value_.has_value(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  const api::ApiError& error() const { return *error_; }
  bool not_found() const { return error_ && error_->code == 404; }
  bool conflict() const { return error_ && error_->code == 409; }

 private:
  std::optional<T> value_;
  std::optional<api::ApiError> error_;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  const nlohmann::json* object = nullptr;
};

// A running watch; destroying it stops the stream.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // "" : the current state as ADDED events first
  bool bookmarks = true;
};

class ApiClient {
 public:
  virtual ~ApiClient() = default;

  virtual Response<nlohmann::json> get(const Resource& r, const std::string& ns, const std::string& name) = 0;
  virtual Response<nlohmann::json> list(const Resource& r, const std::string& ns, const ListOptions& opts) = 0;
  virtual Response<nlohmann::json> create(const Resource& r, const std::string& ns, const nlohmann::json& obj) = 0;
  // PUT; subresource "" or "status".
  virtual Response<nlohmann::json> update(const Resource& r, const std::string& ns, const nlohmann::json& obj,
                                          const std::string& subresource = "") = 0;
  // PATCH with a content type ("application/merge-patch+json", ...).
  virtual Response<nlohmann::json> patch(const Resource& r, const std::string& ns, const std::string& name,
                                         const std::string& content_type, const std::string& body,
                                         const std::string& subresource = "") = 0;
  // POST to a subresource of one object (pods/<name>/binding, .../eviction). Clients that
  // cannot reach subresources answer 405.
  virtual Response<nlohmann::json> create_subresource(const Resource& r, const std::string& ns, const std::string& name,
                                                      const std::string& subresource, const nlohmann::json& body);
  // DELETE with a DeleteOptions body (may be empty).
  virtual Response<nlohmann::json> remove(const Resource& r, const std::string& ns, const std::string& name,
                                          const nlohmann::json& delete_options) = 0;
  // Streams events until the handle is destroyed, the server ends the stream (`on_end` is then
  // called with the reason, e.g. an ERROR 410), or the callback returns false.
  virtual Response<std::unique_ptr<WatchHandle>> watch(const Resource& r, const std::string& ns,
                                                       const WatchOptions& opts,
                                                       std::function<bool(const WatchEvent&)> on_event,
                                                       std::function<void(const std::string& why)> on_end) = 0;
};

}  // namespace mk::client
