#pragma once
// The service proxy's state and its nftables table: the Services and EndpointSlices it was
// told about, and a sync() that programs what changed since the last one (everything, in one
// transaction that recreates the table, the first time). Single-threaded: the proxier calls it
// from its rules thread; the benchmark calls it directly.

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "agent/nftables/nft.h"
#include "agent/nftables/table_sync.h"
#include "agent/proxy/service_rules.h"

namespace mk::agent::proxy {

struct SyncStats {
  size_t services = 0;     // services whose rules were recomputed
  size_t udp_flows_deleted = 0;
  std::chrono::microseconds build{0}, program{0};
};

class ServiceTable {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ServiceTable(ProxySettings settings);

  const std::string& table() const { return sync_.table(); }
  void set_settings(const ProxySettings& settings);
  void upsert_service(const nlohmann::json& service);
  void delete_service(const nlohmann::json& service);
  void upsert_slice(const nlohmann::json& slice);
  void delete_slice(const nlohmann::json& slice);
  bool dirty() const { return !dirty_.empty() || !initialized_; }

  // Programs what changed. A refused transaction is retried service by service so one bad
  // service cannot hold the others back; the services that still fail are retried later.
  // Returns when to run again at the latest (deferred deletions, retries).
  std::optional<Clock::time_point> sync(nftables::Nft& nft, SyncStats* stats = nullptr);
  size_t chain_count() const { return sync_.chain_count(); }

 private:
  void mark_all();
  std::string slice_service(const nlohmann::json& slice) const;
  ProxySettings settings_;
  nftables::TableSync sync_;
  bool initialized_ = false;
  std::map<std::string, nlohmann::json> services_;                      // ns/name -> Service
  std::map<std::string, std::map<std::string, nlohmann::json>> slices_;  // ns/service -> slice name -> slice
  std::map<std::string, std::string> slice_owner_;                       // ns/slice -> ns/service
  std::map<std::string, ServiceRules> rules_;                            // as programmed
  std::set<std::string> dirty_;
  std::map<std::string, Clock::time_point> retry_;
};

}  // namespace mk::agent::proxy
