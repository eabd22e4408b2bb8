#include "sqlite_watch_group.h"

namespace mk::bench {

Result<std::unique_ptr<SqliteWatchGroup>> SqliteWatchGroup::open(store::Store& store,
                                                                 const std::string& prefix,
                                                                 size_t watchers, size_t threads,
                                                                 EventSink sink) {
  std::unique_ptr<SqliteWatchGroup> group(new SqliteWatchGroup(std::move(sink)));
  group->queued_ = std::make_unique<std::atomic<bool>[]>(watchers);
  for (size_t i = 0; i < watchers; ++i) {
    store::WatchRequest req;
    req.key = prefix;
    req.end = store::prefix_end(prefix);
    req.prev_kv = true;
    auto watcher = store.watch(req);
    if (!watcher) return watcher.error().wrap("watch " + std::to_string(i));
    group->queued_[i].store(false);
    (*watcher)->set_notify([g = group.get(), i] { g->notify(i); });
    group->watchers_.push_back(std::move(*watcher));
  }
  if (threads == 0) threads = 1;
  for (size_t t = 0; t < threads; ++t) group->threads_.emplace_back([g = group.get()] { g->consume(); });
  return group;
}

void SqliteWatchGroup::notify(size_t index) {
  if (queued_[index].exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(index);
  }
  ready_cv_.notify_one();
}

void SqliteWatchGroup::consume() {
  for (;;) {
    size_t index = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_cv_.wait(lock, [&] { return stop_ || !ready_.empty(); });
      if (stop_) return;
      index = ready_.front();
      ready_.pop_front();
    }
    drain(index);
  }
}

void SqliteWatchGroup::drain(size_t index) {
  // Cleared before take() so that events arriving meanwhile queue the watcher again.
  queued_[index].store(false);
  store::Watcher& watcher = *watchers_[index];
  for (const store::Event& event : watcher.take()) sink_(index, event.kv.value);
  if (auto reason = watcher.cancelled()) {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (!error_) error_ = reason->wrap("watcher " + std::to_string(index) + " cancelled");
  }
}

Status SqliteWatchGroup::health() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (error_) return *error_;
  return Status::ok();
}

SqliteWatchGroup::~SqliteWatchGroup() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  ready_cv_.notify_all();
  for (auto& t : threads_) t.join();
  // Watchers go before the queue they notify into.
  watchers_.clear();
}

}  // namespace mk::bench
