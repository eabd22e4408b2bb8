#pragma once
// The generic REST semantics of every kind, independent of HTTP: what get, list, create,
// update, delete and deletecollection do to objects (server-owned metadata, status
// subresources, generation, finalizers, admission). The HTTP handlers and in-process clients
// both call it.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "server/apiserver/context.h"

namespace mk::apiserver {

struct WriteOptions {
  bool dry_run = false;
  std::string field_validation = "Strict";  // Ignore, Warn, Strict
  std::string field_manager;
  bool managed_fields_done = false;  // server-side apply already recorded ownership
  User user;
  std::vector<std::string>* warnings = nullptr;  // Warning headers to send
};

struct DeleteOptions {
  std::optional<std::string> propagation_policy;  // Background, Foreground, Orphan
  std::optional<int64_t> grace_period_seconds;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  bool dry_run = false;
};

struct ListParams {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;
  std::string resource_version_match;
};

class Registry {
 public:
  explicit Registry(ApiContext& ctx) : ctx_(ctx) {}

  ApiResult<nlohmann::json> get(const api::KindInfo& kind, const std::string& ns, const std::string& name);
  // A <Kind>List with items, metadata.resourceVersion and continue.
  ApiResult<nlohmann::json> list(const api::KindInfo& kind, const std::string& ns, const ListParams& params);
  ApiResult<nlohmann::json> create(const api::KindInfo& kind, const std::string& ns, nlohmann::json body,
                                   const WriteOptions& opts);
  // A full replacement (PUT) of the object or of its status (subresource "status").
  ApiResult<nlohmann::json> update(const api::KindInfo& kind, const std::string& ns, const std::string& name,
                                   const std::string& subresource, nlohmann::json body,
                                   const WriteOptions& opts);
  // Applies `mutate` to the current object and stores the result through the same checks as
  // update (used by PATCH and by internal writers). `create_if_missing` is for apply patches.
  ApiResult<nlohmann::json> modify(const api::KindInfo& kind, const std::string& ns, const std::string& name,
                                   const std::string& subresource,
                                   const std::function<ApiResult<nlohmann::json>(const nlohmann::json&)>& mutate,
                                   const WriteOptions& opts);
  // The deleted object (or the object now marked for deletion) and whether it is gone.
  struct Deleted {
    nlohmann::json object;
    bool gone = false;
  };
  ApiResult<Deleted> remove(const api::KindInfo& kind, const std::string& ns, const std::string& name,
                            const DeleteOptions& opts);
  ApiResult<nlohmann::json> delete_collection(const api::KindInfo& kind, const std::string& ns,
                                              const ListParams& params, const DeleteOptions& opts);

  // Shared by the watch handler: a filter from label and field selectors.
  using Filter = std::function<bool(const nlohmann::json&)>;
  ApiResult<Filter> make_filter(const api::KindInfo& kind, const std::string& ns,
                                const std::string& label_selector, const std::string& field_selector);

  ApiContext& context() { return ctx_; }

 private:
  std::optional<api::ApiError> check_namespace(const api::KindInfo& kind, const std::string& ns, bool for_create);
  std::optional<api::ApiError> admit(nlohmann::json& obj, const AdmissionRequest& req, const WriteOptions& opts);
  ApiResult<nlohmann::json> finish_update(const api::KindInfo& kind, const std::string& subresource,
                                          const nlohmann::json& current, nlohmann::json next,
                                          const WriteOptions& opts, const std::string& verb);
  ApiContext& ctx_;
};

// RFC 3339 with second precision, now.
std::string now_rfc3339();
std::string new_uid();

}  // namespace mk::apiserver
