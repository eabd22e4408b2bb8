#pragma once
// A list-and-watch cache of one resource, as client-go's informers: lists once, then watches
// from the list's revision, re-watches when a stream ends and re-lists when the revision is
// too old. Handlers see every change; the cache answers reads without a round trip.

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "client/client.h"

namespace mk::client {

enum class ChangeType { added, updated, deleted };

// `old` is set for updates and deletes (for deletes it is the last known state).
using ChangeHandler = std::function<void(ChangeType, const nlohmann::json& obj, const nlohmann::json* old)>;

class Informer {
 public:
  Informer(ApiClient& client, Resource resource, std::string ns = "", WatchOptions selectors = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers must be added before start(). They run on the informer's thread, one at a time.
  void add_handler(ChangeHandler handler);
  // Applied to every object before it is cached and handed to handlers (before start()), as
  // client-go's SetTransform: a cache that needs only metadata keeps only metadata.
  void set_transform(std::function<nlohmann::json(const nlohmann::json&)> transform);
  void start();
  void stop();
  // Tells the informer to stop without waiting for its thread; stop() then joins it. Stopping
  // many informers, ask them all first: each may take a moment to leave its watch.
  void request_stop();
  // True once the first list has been delivered.
  bool wait_synced(int64_t timeout_ms);
  bool synced() const { return synced_.load(); }

  // Cache reads: "<ns>/<name>" or "<name>" for cluster-scoped objects.
  std::optional<nlohmann::json> get(const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> list(const std::string& ns = "") const;
  // Applies `fn` to each cached object (under the cache lock: keep it short).
  void for_each(const std::function<void(const nlohmann::json&)>& fn) const;

  static std::string key_of(const nlohmann::json& obj);

 private:
  void run();
  bool relist();
  void apply(ChangeType type, const nlohmann::json& obj);

  ApiClient& client_;
  Resource resource_;
  std::string ns_;
  WatchOptions selectors_;
  std::vector<ChangeHandler> handlers_;
  std::function<nlohmann::json(const nlohmann::json&)> transform_;

  mutable std::mutex mu_;
  std::map<std::string, nlohmann::json> cache_;
  std::string resource_version_;

  std::mutex wake_mu_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> synced_{false};
  std::atomic<bool> stream_ended_{false};
  std::atomic<bool> need_relist_{false};
  std::thread thread_;
};

}  // namespace mk::client
