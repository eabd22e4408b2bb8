#pragma once
// Internal: the server's open connections, for shutdown and counting. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace mk::http::detail {

class Connection;

class ConnectionRegistry {
 public:
  void add(Connection* connection, std::weak_ptr<Connection> handle);
  void remove(Connection* connection);  // from ~Connection
  std::vector<std::shared_ptr<Connection>> snapshot() const;
  std::size_t size() const;
  std::size_t accepted() const;
  // True once no connection is left; false at the deadline.
  bool wait_empty(std::chrono::steady_clock::time_point deadline) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable empty_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
  std::size_t accepted_ = 0;
};

}  // namespace mk::http::detail
