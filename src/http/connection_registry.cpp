#include "http/connection_registry.h"

namespace mk::http::detail {

void ConnectionRegistry::add(Connection* connection, std::weak_ptr<Connection> handle) {
  std::lock_guard lock(mu_);
  live_.emplace(connection, std::move(handle));
  ++accepted_;
}

void ConnectionRegistry::remove(Connection* connection) {
  std::lock_guard lock(mu_);
  live_.erase(connection);
  if (live_.empty()) empty_.notify_all();
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::snapshot() const {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mu_);
  out.reserve(live_.size());
  for (const auto& entry : live_) {
    if (auto c = entry.second.lock()) out.push_back(std::move(c));
  }
  return out;
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

std::size_t ConnectionRegistry::accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

bool ConnectionRegistry::wait_empty(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  return empty_.wait_until(lock, deadline, [this] { return live_.empty(); });
}

}  // namespace mk::http::detail
