#pragma once
// The etcd side: a server started for the benchmark, reached through its JSON gateway.

#include <memory>
#include <string>

#include "bench_target.h"
#include "etcd_client.h"
#include "etcd_server.h"

namespace mk::bench {

class EtcdTarget : public BenchTarget {
 public:
  // Starts a fresh etcd with its data under `parent`.
  static Result<std::unique_ptr<EtcdTarget>> start(const std::string& parent);

  std::string describe() override;
  Result<std::unique_ptr<StoreSession>> session() override;
  Result<std::unique_ptr<WatchGroup>> watch_prefix(const std::string& prefix, size_t watchers,
                                                   size_t consumer_threads,
                                                   EventSink sink) override;
  Status compact_all() override;
  Result<int64_t> db_size() override;
  Status defragment() override;

 private:
  explicit EtcdTarget(std::unique_ptr<EtcdServer> server);

  std::unique_ptr<EtcdServer> server_;
  EtcdClient admin_;  // for the calls made from the driving thread
};

}  // namespace mk::bench
