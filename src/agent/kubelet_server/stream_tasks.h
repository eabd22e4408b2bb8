#pragma once
// The threads that serve long requests (log reads and follows, exec and attach pumps): each
// runs on a thread of its own, and the server waits for them when it stops.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace mk::agent::kubelet {

class StreamTasks {
 public:
  // Runs `task` on a new thread; false (and nothing runs) once stop() was called.
  bool spawn(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    ++running_;
    std::thread([this, task = std::move(task)] {
      task();
      std::lock_guard<std::mutex> lock(mu_);
      if (--running_ == 0) done_.notify_all();
    }).detach();
    return true;
  }
  // Tasks poll this and end soon after it turns true.
  bool stopping() const { return stopping_.load(); }
  void stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  // Waits for every task to end.
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return running_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable done_;
  std::atomic<bool> stopping_{false};
  int running_ = 0;
};

}  // namespace mk::agent::kubelet
