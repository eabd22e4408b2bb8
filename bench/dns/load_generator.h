#pragma once
// A UDP load generator for the DNS benchmark: one thread keeps `window` queries in flight to
// one server on loopback, sending each reply's successor at once, until `count` replies have
// come back or `limit` has passed. It counts its own CPU time, so the report can say what the
// server alone costs.

#include <chrono>
#include <cstdint>
#include <string>

namespace mk::bench::dns {

struct LoadResult {
  uint64_t sent = 0, received = 0, lost = 0;
  uint64_t wrong = 0;     // replies whose rcode or answer count differed from the first one
  double wall_seconds = 0;
  double cpu_seconds = 0;  // the generator thread's own
};

struct LoadSpec {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string query;  // one encoded query; the ID is rewritten per send
  uint64_t count = 200'000;
  std::chrono::milliseconds limit{10'000};
  int window = 32;
  bool tcp = false;  // one connection, queries pipelined in the window
};

LoadResult run_load(const LoadSpec& spec);

}  // namespace mk::bench::dns
