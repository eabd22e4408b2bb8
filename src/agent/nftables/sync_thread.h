#pragma once
// The thread that programs one component's nftables rules: it enters the component's network
// namespace (tests give one; the agent uses its own), opens a libnftables context there and
// runs the component's step whenever kicked, or when the step asked to run again at a time
// (deferred deletions, retries). Kicks that arrive during a step coalesce into one more pass.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/nftables/nft.h"
#include "common/error.h"

namespace mk::agent::nftables {

class SyncThread {
 public:
  using Clock = std::chrono::steady_clock;
  // Returns the latest time to run again, or nullopt to wait for the next kick.
  using Step = std::function<std::optional<Clock::time_point>(Nft&)>;

  // `netns_fd` -1: the namespace of the thread calling start().
  SyncThread(std::string name, int netns_fd, Step step);
  ~SyncThread();
  SyncThread(const SyncThread&) = delete;
  SyncThread& operator=(const SyncThread&) = delete;

  // Starts the thread; fails if it cannot enter the namespace or open libnftables.
  Status start();
  void stop();
  void kick();
  // Kicks, then waits until a pass that started after the kick has finished.
  bool wait_pass(std::chrono::milliseconds timeout);

 private:
  void run(Nft nft);
  std::string name_;
  int netns_fd_;
  Step step_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t requested_ = 0, started_ = 0, finished_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mk::agent::nftables
