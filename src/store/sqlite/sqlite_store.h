#pragma once
// The SQLite backend. Internal to src/store; others use open_sqlite() from kv.h.
//
// Threads: one writer thread owns the write connection and applies every write, lease change
// and compaction step. Concurrent writes queue up while it commits, and the next transaction
// takes all of them (group commit: one fsync for many writes). Readers use a pool of their own
// connections (WAL lets them read while the writer writes). Committed events go to the
// WatchHub, whose thread fans them out.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/kv.h"
#include "store/sqlite/db.h"
#include "store/watch_hub.h"

namespace mk::store::sqlite {

// A reader connection with its prepared statements, taken from and returned to the pool.
struct Reader {
  Connection conn;
  std::unordered_map<std::string, Statement> statements;
  Result<Statement*> statement(const std::string& sql);
};

// One queued request to the writer thread.
struct WriteRequest {
  enum class Kind { txn, grant, revoke, compact };
  Kind kind = Kind::txn;
  std::vector<Compare> compares;
  std::vector<TxnOp> success, failure;
  int64_t ttl = 0;
  LeaseId lease = 0;
  Revision compact_to = 0;

  // Outcome, set by the writer before `done` is fulfilled.
  std::optional<Error> error;
  TxnResult txn;
  std::promise<void> done;
};

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;

  Result<RangeResult> range(const RangeRequest& req) override;
  WriteOutcome<WriteResult> create(const std::string& key, const std::string& value,
                                   LeaseId lease) override;
  WriteOutcome<WriteResult> update(const std::string& key, const std::string& value,
                                   Revision expected_mod_revision, LeaseId lease) override;
  WriteOutcome<WriteResult> remove(const std::string& key, Revision expected_mod_revision) override;
  Result<TxnResult> txn(const std::vector<Compare>& compares, const std::vector<TxnOp>& success,
                        const std::vector<TxnOp>& failure) override;
  Result<std::unique_ptr<Watcher>> watch(const WatchRequest& req) override;
  Status compact(Revision revision) override;
  Result<LeaseId> grant_lease(int64_t ttl_seconds) override;
  Status revoke_lease(LeaseId id) override;
  StoreStats stats() override;
  Revision current_revision() override { return revision_.load(); }

 private:
  explicit SqliteStore(const SqliteOptions& options);
  Status start();

  // Reads (reads.cpp).
  struct ReaderLease;
  Result<ReaderLease> acquire_reader();
  void release_reader(std::unique_ptr<Reader> r);
  Result<std::vector<Event>> read_history(const std::string& key, const std::string& end,
                                          Revision from, Revision to);

  // Writes (writer.cpp).
  Status submit(WriteRequest& req);
  void writer_loop();
  void run_batch(std::vector<WriteRequest*>& batch);
  bool apply_batch(std::vector<WriteRequest*>& batch, std::vector<Event>& events);
  Status apply_txn(WriteRequest& req, std::vector<Event>& events);
  Status apply_grant(WriteRequest& req);
  Status apply_revoke(LeaseId id, bool must_exist, std::vector<Event>& events);
  Result<std::optional<KeyValue>> lookup(const std::string& key);
  Status put_row(const std::string& key, const std::string& value, LeaseId lease,
                 const std::optional<KeyValue>& prev, std::vector<Event>& events);
  Status delete_row(const KeyValue& prev, std::vector<Event>& events);
  Status load_leases();
  void expire_leases();

  // Compaction (compaction.cpp).
  void compaction_tick();
  Status compact_step();
  void finish_compaction();

  Statement* wstmt(const char* sql);  // the writer's prepared statements

  SqliteOptions options_;
  std::unique_ptr<Connection> writer_conn_;
  std::unordered_map<const char*, Statement> writer_statements_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Reader>> pool_;

  std::atomic<Revision> revision_{0};
  std::atomic<Revision> compact_revision_{0};
  Revision next_revision_ = 0;  // writer thread only

  std::unique_ptr<WatchHub> hub_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteRequest*> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Writer thread only.
  std::unordered_map<LeaseId, int64_t> lease_deadline_ms_;
  std::multimap<int64_t, LeaseId> lease_by_deadline_;
  Revision compact_target_ = 0;
  std::vector<WriteRequest*> compact_waiters_;
  std::deque<std::pair<int64_t, Revision>> revision_samples_;  // (time ms, revision)
  int64_t next_compaction_tick_ms_ = 0;
};

int64_t now_ms();

}  // namespace mk::store::sqlite
