#pragma once
// Many watchers on our store, drained the way an event-driven server would: each watcher's
// notify callback queues it, and a few consumer threads take() its events and call the sink.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bench_target.h"
#include "store/kv.h"

namespace mk::bench {

class SqliteWatchGroup : public WatchGroup {
 public:
  static Result<std::unique_ptr<SqliteWatchGroup>> open(store::Store& store,
                                                        const std::string& prefix,
                                                        size_t watchers, size_t threads,
                                                        EventSink sink);
  ~SqliteWatchGroup() override;
  Status health() const override;

 private:
  explicit SqliteWatchGroup(EventSink sink) : sink_(std::move(sink)) {}
  void notify(size_t index);
  void consume();
  void drain(size_t index);

  EventSink sink_;
  std::vector<std::unique_ptr<store::Watcher>> watchers_;
  std::unique_ptr<std::atomic<bool>[]> queued_;
  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<size_t> ready_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
  mutable std::mutex error_mu_;
  std::optional<Error> error_;
};

}  // namespace mk::bench
