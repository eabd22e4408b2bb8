#include "client/work_queue.h"

#include <algorithm>

namespace mk::client {

using Clock = std::chrono::steady_clock;

void WorkQueue::add(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    if (shutdown_) return;
    if (processing_.count(key)) {
      dirty_.insert(key);
      return;
    }
    if (!queued_.insert(key).second) return;
    queue_.push_back(key);
  }
  cv_.notify_one();
}

void WorkQueue::add_after(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return add(key);
  {
    std::lock_guard lock(mu_);
    if (shutdown_) return;
    delayed_.emplace(Clock::now() + delay, key);
  }
  cv_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& key) {
  int n;
  {
    std::lock_guard lock(mu_);
    n = failures_[key]++;
  }
  int64_t ms = 5LL << std::min(n, 27);
  add_after(key, std::chrono::milliseconds(std::min<int64_t>(ms, 1'000'000)));
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

void WorkQueue::promote_delayed_locked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    if (processing_.count(key)) {
      dirty_.insert(key);
    } else if (queued_.insert(key).second) {
      queue_.push_back(key);
    }
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    promote_delayed_locked(Clock::now());
    if (!queue_.empty()) break;
    if (shutdown_) return std::nullopt;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, delayed_.begin()->first);
    }
  }
  std::string key = queue_.front();
  queue_.pop_front();
  queued_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  bool requeue = false;
  {
    std::lock_guard lock(mu_);
    processing_.erase(key);
    if (dirty_.erase(key) && !shutdown_ && queued_.insert(key).second) {
      queue_.push_back(key);
      requeue = true;
    }
  }
  if (requeue) cv_.notify_one();
}

void WorkQueue::shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

size_t WorkQueue::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace mk::client
