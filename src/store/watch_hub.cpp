#include "store/watch_hub.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace mk::store {

bool key_in_range(const std::string& key, const std::string& start, const std::string& end) {
  if (end.empty()) return key == start;
  if (key < start) return false;
  if (end.size() == 1 && end[0] == '\0') return true;
  return key < end;
}

namespace {

// One watcher's queue. Shared between the hub (producer) and the handle (consumer).
struct WatcherQueue {
  std::string key, end;
  bool prev_kv = true;
  Revision start = 0;  // first revision to deliver
  size_t limit = 0;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<EventPtr> queue;
  bool ready = false;  // history loaded; until then events accumulate but are not handed out
  std::optional<Error> cancelled;
  std::function<void()> notify;
  Revision last_taken = 0;

  // Called with mu held. Returns whether the consumer should be woken.
  bool push_locked(const EventPtr& ev) {
    if (cancelled) return false;
    if (queue.size() >= limit) {
      cancelled = make_error(Errc::cancelled, "watch fell more than " + std::to_string(limit) +
                                                   " events behind and was dropped");
      queue.clear();
      return true;
    }
    queue.push_back(ev);
    return true;
  }

  void wake(std::unique_lock<std::mutex>& lock) {
    auto fn = notify;
    lock.unlock();
    cv.notify_all();
    if (fn) fn();
  }

  void cancel(const Error& reason) {
    std::unique_lock lock(mu);
    if (cancelled) return;
    cancelled = reason;
    queue.clear();
    wake(lock);
  }
};

}  // namespace

struct WatchHub::State {
  Options options;
  HistoryReader history;

  mutable std::mutex mu;  // guards watchers, ring, dispatched, closed
  std::vector<std::shared_ptr<WatcherQueue>> watchers;
  std::deque<EventPtr> ring;
  Revision dispatched = 0;  // last revision handed to watchers
  bool closed = false;
  std::optional<Error> close_reason;

  std::mutex inbox_mu;
  std::condition_variable inbox_cv;
  std::deque<std::vector<Event>> inbox;
  bool stopping = false;
  std::thread dispatcher;

  void run();
  void dispatch(std::vector<Event> batch);
  void remove(const WatcherQueue* w) {
    std::lock_guard lock(mu);
    std::erase_if(watchers, [w](const auto& p) { return p.get() == w; });
  }
};

namespace {

class WatcherHandle final : public Watcher {
 public:
  WatcherHandle(std::shared_ptr<WatcherQueue> q, std::weak_ptr<WatchHub::State> hub)
      : q_(std::move(q)), hub_(std::move(hub)) {}
  ~WatcherHandle() override {
    if (auto hub = hub_.lock()) hub->remove(q_.get());
  }

  std::vector<Event> take(size_t max) override {
    std::vector<Event> out;
    std::lock_guard lock(q_->mu);
    if (!q_->ready) return out;
    size_t n = std::min(max, q_->queue.size());
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const Event& ev = *q_->queue.front();
      out.push_back(ev);
      if (!q_->prev_kv) out.back().prev.reset();
      q_->last_taken = ev.kv.mod_revision;
      q_->queue.pop_front();
    }
    return out;
  }

  bool wait_for(int64_t timeout_ms) override {
    std::unique_lock lock(q_->mu);
    return q_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
      return q_->cancelled.has_value() || (q_->ready && !q_->queue.empty());
    });
  }

  void set_notify(std::function<void()> notify) override {
    std::unique_lock lock(q_->mu);
    q_->notify = std::move(notify);
    bool pending = q_->cancelled.has_value() || (q_->ready && !q_->queue.empty());
    if (pending && q_->notify) {
      auto fn = q_->notify;
      lock.unlock();
      fn();
    }
  }

  std::optional<Error> cancelled() const override {
    std::lock_guard lock(q_->mu);
    return q_->cancelled;
  }

  Revision last_revision() const override {
    std::lock_guard lock(q_->mu);
    return q_->last_taken;
  }

 private:
  std::shared_ptr<WatcherQueue> q_;
  std::weak_ptr<WatchHub::State> hub_;
};

}  // namespace

WatchHub::WatchHub(Options options, HistoryReader history) : state_(std::make_shared<State>()) {
  state_->options = options;
  state_->dispatched = options.initial_revision;
  state_->history = std::move(history);
  state_->dispatcher = std::thread([s = state_.get()] { s->run(); });
}

WatchHub::~WatchHub() {
  close(make_error(Errc::unavailable, "the store is closing"));
  {
    std::lock_guard lock(state_->inbox_mu);
    state_->stopping = true;
  }
  state_->inbox_cv.notify_all();
  if (state_->dispatcher.joinable()) state_->dispatcher.join();
}

void WatchHub::publish(std::vector<Event> events) {
  if (events.empty()) return;
  {
    std::lock_guard lock(state_->inbox_mu);
    state_->inbox.push_back(std::move(events));
  }
  state_->inbox_cv.notify_one();
}

void WatchHub::State::run() {
  for (;;) {
    std::deque<std::vector<Event>> work;
    {
      std::unique_lock lock(inbox_mu);
      inbox_cv.wait(lock, [&] { return stopping || !inbox.empty(); });
      if (inbox.empty() && stopping) return;
      work.swap(inbox);
    }
    for (auto& batch : work) dispatch(std::move(batch));
  }
}

void WatchHub::State::dispatch(std::vector<Event> batch) {
  std::vector<EventPtr> events;
  events.reserve(batch.size());
  for (auto& e : batch) events.push_back(std::make_shared<const Event>(std::move(e)));

  std::vector<std::shared_ptr<WatcherQueue>> targets;
  {
    std::lock_guard lock(mu);
    if (closed) return;
    for (const auto& ev : events) {
      ring.push_back(ev);
      if (ring.size() > options.ring_capacity) ring.pop_front();
    }
    dispatched = events.back()->kv.mod_revision;
    targets = watchers;
  }
  // Outside the hub lock: a watcher being created never waits on a fan-out in progress.
  for (const auto& w : targets) {
    std::unique_lock lock(w->mu);
    bool woke = false;
    for (const auto& ev : events) {
      if (ev->kv.mod_revision < w->start || !key_in_range(ev->kv.key, w->key, w->end)) continue;
      woke |= w->push_locked(ev);
      if (w->cancelled) break;
    }
    if (woke && w->ready) {
      w->wake(lock);
    } else if (woke && w->cancelled) {
      w->wake(lock);
    }
  }
}

Result<std::unique_ptr<Watcher>> WatchHub::watch(const WatchRequest& req, Revision committed,
                                                 Revision compacted) {
  if (req.key.empty()) return make_error(Errc::invalid_argument, "watch: empty key");
  if (req.from_revision != 0 && req.from_revision < compacted) {
    return make_error(Errc::compacted, "watch from revision " + std::to_string(req.from_revision) +
                                           ": required revision has been compacted (compacted to " +
                                           std::to_string(compacted) + ")");
  }
  auto q = std::make_shared<WatcherQueue>();
  q->key = req.key;
  q->end = req.end;
  q->prev_kv = req.prev_kv;
  q->limit = state_->options.watcher_buffer;
  q->start = req.from_revision == 0 ? committed + 1 : req.from_revision;
  q->last_taken = q->start - 1;

  Revision dispatched = 0;
  std::vector<EventPtr> from_ring;
  bool need_history = false;
  {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return *state_->close_reason;
    dispatched = state_->dispatched;
    if (q->start <= dispatched) {
      const auto& ring = state_->ring;
      if (!ring.empty() && ring.front()->kv.mod_revision <= q->start) {
        for (const auto& ev : ring) {
          if (ev->kv.mod_revision >= q->start && key_in_range(ev->kv.key, q->key, q->end))
            from_ring.push_back(ev);
        }
      } else {
        need_history = true;
      }
    }
    q->ready = !need_history;
    for (const auto& ev : from_ring) q->queue.push_back(ev);
    state_->watchers.push_back(q);
  }
  auto handle = std::make_unique<WatcherHandle>(q, state_);
  if (!need_history) return std::unique_ptr<Watcher>(std::move(handle));

  auto history = state_->history(q->key, q->end, q->start, dispatched);
  if (!history) {
    state_->remove(q.get());
    return history.error();
  }
  std::unique_lock lock(q->mu);
  std::deque<EventPtr> merged;
  for (auto& ev : *history) merged.push_back(std::make_shared<const Event>(std::move(ev)));
  for (auto& ev : q->queue) merged.push_back(std::move(ev));
  q->queue.swap(merged);
  q->ready = true;
  if (!q->queue.empty() || q->cancelled) q->wake(lock);
  return std::unique_ptr<Watcher>(std::move(handle));
}

void WatchHub::close(const Error& reason) {
  std::vector<std::shared_ptr<WatcherQueue>> all;
  {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->closed = true;
    state_->close_reason = reason;
    all.swap(state_->watchers);
  }
  for (auto& w : all) w->cancel(reason);
}

size_t WatchHub::watcher_count() const {
  std::lock_guard lock(state_->mu);
  return state_->watchers.size();
}

}  // namespace mk::store
