#include "agent/nftables/sync_thread.h"

#include <sched.h>

#include <cerrno>
#include <future>

#include "common/log.h"

namespace mk::agent::nftables {

SyncThread::SyncThread(std::string name, int netns_fd, Step step)
    : name_(std::move(name)), netns_fd_(netns_fd), step_(std::move(step)) {}

SyncThread::~SyncThread() { stop(); }

Status SyncThread::start() {
  std::promise<Status> opened;
  auto ready = opened.get_future();
  thread_ = std::thread([this, &opened] {
    // Entering a network namespace changes only this thread.
    if (netns_fd_ >= 0 && setns(netns_fd_, CLONE_NEWNET) != 0) {
      opened.set_value(errno_error(name_ + ": enter network namespace", errno));
      return;
    }
    auto nft = Nft::open();
    if (!nft) {
      opened.set_value(nft.error());
      return;
    }
    opened.set_value(Status::ok());
    run(std::move(*nft));
  });
  Status s = ready.get();
  if (!s) {
    thread_.join();
  }
  return s;
}

void SyncThread::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyncThread::kick() {
  {
    std::lock_guard lock(mu_);
    ++requested_;
  }
  cv_.notify_all();
}

bool SyncThread::wait_pass(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  uint64_t want = ++requested_;
  cv_.notify_all();
  return cv_.wait_for(lock, timeout, [&] { return finished_ >= want || stop_; }) && !stop_;
}

void SyncThread::run(Nft nft) {
  std::optional<Clock::time_point> again;
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto pending = [&] { return stop_ || requested_ > started_; };
    if (again) {
      cv_.wait_until(lock, *again, pending);
    } else {
      cv_.wait(lock, pending);
    }
    if (stop_) break;
    uint64_t pass = requested_;
    started_ = pass;
    lock.unlock();
    try {
      again = step_(nft);
    } catch (const std::exception& e) {
      MK_LOG(error) << name_ << ": " << e.what();
      again = Clock::now() + std::chrono::seconds(5);
    }
    lock.lock();
    finished_ = pass;
    cv_.notify_all();
  }
}

}  // namespace mk::agent::nftables
