#pragma once
// Sends a query the cluster zone does not answer to the host's resolvers and returns their
// reply: UDP for UDP clients (a truncated reply is relayed so the client retries over TCP),
// TCP for TCP clients. Each upstream is tried in turn with its own timeout; the query goes out
// with a fresh random ID and only a reply with that ID and the same question is taken.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/dns/forward_cache.h"
#include "common/error.h"

namespace mk::agent::dns {

struct Upstream {
  std::string address;  // IPv4 or IPv6 literal
  uint16_t port = 53;
};

class Forwarder {
 public:
  Forwarder(std::vector<Upstream> upstreams, std::chrono::milliseconds timeout)
      : upstreams_(std::move(upstreams)), timeout_(timeout) {}

  bool empty() const { return upstreams_.empty(); }
  const std::vector<Upstream>& upstreams() const { return upstreams_; }

  // `query` is the client's whole message; the reply carries the client's ID again. Replies
  // are cached (forward_cache.h) and served from there while fresh.
  Result<std::string> exchange(std::string_view query, bool tcp) const;
  const ForwardCache& cache() const { return cache_; }

 private:
  Result<std::string> exchange_one(const Upstream& upstream, std::string_view query, bool tcp) const;

  std::vector<Upstream> upstreams_;
  std::chrono::milliseconds timeout_;
  mutable ForwardCache cache_;
};

}  // namespace mk::agent::dns
