#pragma once
// What every handler of the API server shares: the object store, the kinds, the worker pool
// blocking work runs on, and the hooks per kind (admission, allocation) the registry calls.

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/kinds/kind_info.h"
#include "api/status.h"
#include "common/thread_pool.h"
#include "server/apiserver/object_store.h"
#include "server/apiserver/request_info.h"

namespace mk::apiserver {

struct User {
  std::string name;
  std::vector<std::string> groups;
  bool authenticated() const { return !name.empty(); }
};

// Where a write is in its life, for admission hooks.
struct ApiContext;

struct AdmissionRequest {
  const api::KindInfo& kind;
  std::string verb;         // create, update, patch, delete
  std::string subresource;  // "" or "status"
  const nlohmann::json* old = nullptr;  // the stored object for updates
  bool dry_run = false;
  User user;
  ApiContext* ctx = nullptr;
};

// Per-kind behaviour beyond what the schema gives. Every hook is optional.
struct KindStrategy {
  // Fills defaults upstream sets (beyond the schema's simple default= values).
  std::function<void(nlohmann::json& obj, const AdmissionRequest& req)> defaults;
  // Checks rules the schema cannot express; returns causes (empty when valid).
  std::function<std::vector<api::StatusCause>(const nlohmann::json& obj, const AdmissionRequest& req)> validate;
  // Runs just before a create is stored: allocations (cluster IPs, node ports). May refuse.
  std::function<std::optional<api::ApiError>(nlohmann::json& obj, const AdmissionRequest& req)> before_create;
  // Runs after a successful delete: releases what before_create took.
  std::function<void(const nlohmann::json& obj, ApiContext& ctx)> after_delete;
  // The status a new object starts with (replacing whatever the client sent), for kinds with
  // a status subresource. Unset: an empty status.
  std::function<nlohmann::json(const nlohmann::json& obj)> initial_status;
};

struct ApiContext {
  ObjectStore objects;
  const api::KindRegistry& kinds;
  ThreadPool& workers;
  std::function<const KindStrategy*(const api::KindInfo&)> strategy;
  std::atomic<int64_t> open_watches{0};
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_dns = "10.43.0.10";
};

}  // namespace mk::apiserver
