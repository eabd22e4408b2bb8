#pragma once
// Watch streams: a store watcher turned into a chunked stream of watch events, filtered by
// selectors, with bookmarks and a timeout. No thread per watch: store notifications schedule
// a drain on the worker pool, and one timer thread ends streams at their deadline and sends
// bookmarks.

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "server/apiserver/context.h"
#include "server/apiserver/registry.h"
#include "http/response_writer.h"

namespace mk::apiserver {

struct WatchParams {
  std::string resource_version;
  std::string resource_version_match;
  int64_t timeout_seconds = 0;
  bool allow_bookmarks = false;
  bool send_initial_events = false;
  bool send_initial_events_set = false;
  bool table = false;
  std::string label_selector, field_selector;
};

class WatchStream;

class WatchManager {
 public:
  explicit WatchManager(ApiContext& ctx, Registry& registry);
  ~WatchManager();

  // Serves one watch request on `w` (called on a worker thread).
  void serve(const api::KindInfo& kind, const std::string& ns, const WatchParams& params,
             std::shared_ptr<http::ResponseWriter> w);
  // Ends every stream (server shutdown).
  void close_all();
  size_t open() const;

 private:
  friend class WatchStream;
  void timer_loop();
  void forget(WatchStream* s);

  ApiContext& ctx_;
  Registry& registry_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<WatchStream*, std::shared_ptr<WatchStream>> streams_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace mk::apiserver
