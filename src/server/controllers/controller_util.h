#pragma once
// Small helpers the workload controllers share: controller references, pod readiness, and a
// worker loop over a work queue.

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "client/work_queue.h"

namespace mk::controllers {

struct ControllerRef {
  std::string api_version, kind, name, uid;
};

// The ownerReference with controller: true, if any.
std::optional<ControllerRef> controller_ref(const nlohmann::json& obj);
// {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true} for `owner`.
nlohmann::json make_controller_ref(const nlohmann::json& owner, const std::string& api_version,
                                   const std::string& kind);

bool pod_ready(const nlohmann::json& pod);
// Ready for at least `min_ready_seconds` at `now`.
bool pod_available(const nlohmann::json& pod, int64_t min_ready_seconds, std::chrono::system_clock::time_point now);
// Not finished (Succeeded/Failed) and not being deleted.
bool pod_active(const nlohmann::json& pod);

std::string ns_name_key(const nlohmann::json& obj);
std::pair<std::string, std::string> split_key(const std::string& key);

// Runs `sync(key)` for each queued key on its own thread; false or an exception retries the
// key with backoff.
std::thread run_worker(client::WorkQueue& queue, const std::string& name, std::function<bool(const std::string&)> sync);

}  // namespace mk::controllers
