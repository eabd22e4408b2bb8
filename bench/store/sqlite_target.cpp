#include "sqlite_target.h"

#include <sqlite3.h>

#include "sqlite_watch_group.h"

namespace mk::bench {
namespace {

class SqliteSession : public StoreSession {
 public:
  explicit SqliteSession(store::Store& store) : store_(store) {}

  Result<int64_t> create(const std::string& key, const std::string& value) override {
    auto r = store_.create(key, value);
    if (!r) return r.error();
    return r->revision;
  }
  Result<int64_t> update(const std::string& key, const std::string& value,
                         int64_t expected_mod_revision) override {
    auto r = store_.update(key, value, expected_mod_revision);
    if (!r) return r.error();
    return r->revision;
  }
  Status put_batch(const KeyValues& kvs) override {
    std::vector<store::TxnOp> ops;
    ops.reserve(kvs.size());
    for (const auto& [key, value] : kvs) {
      store::TxnOp op;
      op.type = store::TxnOp::Type::put;
      op.key = key;
      op.value = value;
      ops.push_back(std::move(op));
    }
    auto r = store_.txn({}, ops, {});
    if (!r) return r.error();
    return Status::ok();
  }
  Result<int64_t> range_prefix(const std::string& prefix) override {
    store::RangeRequest req;
    req.key = prefix;
    req.end = store::prefix_end(prefix);
    auto r = store_.range(req);
    if (!r) return r.error();
    return static_cast<int64_t>(r->kvs.size());
  }

 private:
  store::Store& store_;
};

}  // namespace

Result<std::unique_ptr<SqliteTarget>> SqliteTarget::open(const std::string& parent) {
  auto dir = TempDir::create(parent, "sqlite-bench-");
  if (!dir) return dir.error();
  store::SqliteOptions options;
  options.path = dir->path() + "/state.db";
  options.durability = store::Durability::full;
  options.compact_interval_ms = 0;
  auto store = store::open_sqlite(options);
  if (!store) return store.error();
  return std::unique_ptr<SqliteTarget>(new SqliteTarget(std::move(*dir), std::move(*store)));
}

SqliteTarget::~SqliteTarget() { store_.reset(); }

std::string SqliteTarget::describe() {
  return std::string("SQLite ") + sqlite3_libversion() +
         ", in-process, Durability::full, automatic compaction off";
}

Result<std::unique_ptr<StoreSession>> SqliteTarget::session() {
  return std::unique_ptr<StoreSession>(std::make_unique<SqliteSession>(*store_));
}

Result<std::unique_ptr<WatchGroup>> SqliteTarget::watch_prefix(const std::string& prefix,
                                                               size_t watchers,
                                                               size_t consumer_threads,
                                                               EventSink sink) {
  auto group = SqliteWatchGroup::open(*store_, prefix, watchers, consumer_threads, std::move(sink));
  if (!group) return group.error();
  return std::unique_ptr<WatchGroup>(std::move(*group));
}

Status SqliteTarget::compact_all() { return store_->compact(store_->current_revision()); }

Result<int64_t> SqliteTarget::db_size() { return store_->stats().db_size_bytes; }

Status SqliteTarget::defragment() {
  return make_error(Errc::unsupported, "compaction already returns space to the file system");
}

}  // namespace mk::bench
