#pragma once
// A queue of object keys for a controller, as client-go's rate-limited work queue: a key is
// queued once however often it is added, is never processed by two workers at once, and
// failures come back after an exponential delay.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace mk::client {

class WorkQueue {
 public:
  void add(const std::string& key);
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  // Re-queues after a failure: 5 ms doubling up to 1000 s per key, reset by forget().
  void add_rate_limited(const std::string& key);
  void forget(const std::string& key);
  // Blocks for the next key; nullopt once shut down.
  std::optional<std::string> get();
  // Marks a key processed; if it was added meanwhile it is queued again.
  void done(const std::string& key);
  void shutdown();
  size_t size() const;

 private:
  void promote_delayed_locked(std::chrono::steady_clock::time_point now);
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  std::set<std::string> processing_;
  std::set<std::string> dirty_;  // added while processing
  std::multimap<std::chrono::steady_clock::time_point, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shutdown_ = false;
};

}  // namespace mk::client
