#pragma once
// Our side: the SQLite store opened in-process on a file under the benchmark's temp directory,
// with full durability (fsync at every group commit) and automatic compaction off (as etcd's
// default), so the benchmark decides when history is dropped.

#include <memory>
#include <string>

#include "bench_target.h"
#include "store/kv.h"
#include "temp_dir.h"

namespace mk::bench {

class SqliteTarget : public BenchTarget {
 public:
  static Result<std::unique_ptr<SqliteTarget>> open(const std::string& parent);
  ~SqliteTarget() override;

  std::string describe() override;
  Result<std::unique_ptr<StoreSession>> session() override;
  Result<std::unique_ptr<WatchGroup>> watch_prefix(const std::string& prefix, size_t watchers,
                                                   size_t consumer_threads,
                                                   EventSink sink) override;
  Status compact_all() override;
  Result<int64_t> db_size() override;
  Status defragment() override;

 private:
  SqliteTarget(TempDir dir, std::unique_ptr<store::Store> store)
      : dir_(std::move(dir)), store_(std::move(store)) {}

  TempDir dir_;  // declared first: removed after the store is closed
  std::unique_ptr<store::Store> store_;
};

}  // namespace mk::bench
