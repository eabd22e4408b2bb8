#pragma once
// Objects of any kind over the key-value store: the generic storage half of the registry.
// Objects are JSON documents kept under /registry/<group>/<resource>/[<namespace>/]<name>
// without their resourceVersion, which is the key's mod_revision and is filled in on read.

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

#include "api/kinds/kind_info.h"
#include "api/status.h"
#include "store/kv.h"

namespace mk::apiserver {

template <typename T>
class ApiResult {
 public:
  ApiResult(T v) : value_(std::move(v)) {}
  ApiResult(api::ApiError e) : error_(std::move(e)) {}
  explicit operator bool() const { return value_.has_value(); }
  T& operator*() { return *value_; }
  T* operator->() { return &*value_; }
  const api::ApiError& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<api::ApiError> error_;
};

struct ListOptions {
  int64_t limit = 0;
  std::string continue_token;
  store::Revision revision = 0;  // exact revision to read at (0: latest)
};

struct ListPage {
  std::vector<nlohmann::json> items;
  store::Revision revision = 0;
  std::string continue_token;
  int64_t remaining = 0;
};

// Builds a new version of an object from the current one, or refuses with an ApiError.
// Returning the current object unchanged makes the update a no-op.
using UpdateFn = std::function<ApiResult<nlohmann::json>(const nlohmann::json& current)>;

class ObjectStore {
 public:
  explicit ObjectStore(store::Store& kv) : kv_(kv) {}

  static std::string key(const api::KindInfo& kind, const std::string& ns, const std::string& name);
  // The prefix holding every object of kind in ns ("" for all namespaces).
  static std::string prefix(const api::KindInfo& kind, const std::string& ns);

  ApiResult<nlohmann::json> get(const api::KindInfo& kind, const std::string& ns, const std::string& name);
  ApiResult<ListPage> list(const api::KindInfo& kind, const std::string& ns, const ListOptions& opts,
                           const std::function<bool(const nlohmann::json&)>& filter);
  // Stores a new object; AlreadyExists if the name is taken.
  ApiResult<nlohmann::json> create(const api::KindInfo& kind, nlohmann::json obj, int64_t lease = 0);
  // Read-modify-write with compare-and-swap, retried on races; NotFound when absent.
  ApiResult<nlohmann::json> update(const api::KindInfo& kind, const std::string& ns,
                                   const std::string& name, const UpdateFn& fn);
  // Removes the object if its revision is still `expected` (0: any).
  ApiResult<nlohmann::json> remove(const api::KindInfo& kind, const std::string& ns,
                                   const std::string& name, store::Revision expected = 0);

  store::Store& kv() { return kv_; }

  // Decodes a stored value and stamps its resourceVersion.
  static nlohmann::json decode(const std::string& value, store::Revision revision);
  static std::string encode(const nlohmann::json& obj);

 private:
  store::Store& kv_;
};

// Continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key>"}.
std::string encode_continue(store::Revision revision, const std::string& start_key);
bool decode_continue(const std::string& token, store::Revision& revision, std::string& start_key);

}  // namespace mk::apiserver
