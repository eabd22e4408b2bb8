#pragma once
// Replies from the upstream resolvers kept for reuse, as k3s's CoreDNS does with `cache 30`:
// positive and negative answers for at most 30 s (less when their TTLs are shorter), handed out
// with the TTLs lowered by their age, the asker's ID and the asker's letter case. SERVFAIL and
// truncated replies are not kept. Bounded in entries; expired ones go first when it is full.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/dns/message.h"

namespace mk::agent::dns {

class ForwardCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ForwardCache(std::chrono::seconds max_ttl = std::chrono::seconds(30), size_t max_entries = 10'000)
      : max_ttl_(max_ttl), max_entries_(max_entries) {}

  // The reply for `query` if one is kept, fresh, and fits in `limit` bytes.
  std::optional<std::string> get(const Message& query, size_t limit, Clock::time_point now = Clock::now());
  // Keeps `reply` (as the upstream sent it) for `query`.
  void put(const Message& query, std::string_view reply, Clock::time_point now = Clock::now());
  size_t size() const;

 private:
  struct Entry {
    Message reply;
    Clock::time_point stored, expires;
  };
  static std::string key_of(const Message& query);

  std::chrono::seconds max_ttl_;
  size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mk::agent::dns
