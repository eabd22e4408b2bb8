// Reads: range and count at the latest or a past revision, and the history a watch replays.
#include <sys/stat.h>

#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"

namespace mk::store::sqlite {
namespace {

enum class Bound { single, range, open_end };

Bound bound_of(const std::string& end) {
  if (end.empty()) return Bound::single;
  if (end.size() == 1 && end[0] == '\0') return Bound::open_end;
  return Bound::range;
}

// The key condition for `column`; ?1 is the key and ?2 the end.
std::string key_condition(const char* column, Bound b) {
  std::string c(column);
  switch (b) {
    case Bound::single: return c + " = ?1";
    case Bound::range: return c + " >= ?1 AND " + c + " < ?2";
    case Bound::open_end: return c + " >= ?1";
  }
  return c + " = ?1";
}

// ?3 limit (-1 for none), ?4 keys_only.
std::string live_rows_sql(Bound b) {
  return "SELECT v.key, l.create_revision, l.revision, l.version, l.lease, "
         "CASE WHEN ?4 THEN NULL ELSE l.value END "
         "FROM live v JOIN log l ON l.revision = v.revision WHERE " +
         key_condition("v.key", b) + " ORDER BY v.key LIMIT ?3";
}

std::string live_count_sql(Bound b) {
  return "SELECT COUNT(*) FROM live v WHERE " + key_condition("v.key", b);
}

// ?5 the revision read at.
std::string past_rows_sql(Bound b) {
  return "SELECT l.key, l.create_revision, l.revision, l.version, l.lease, "
         "CASE WHEN ?4 THEN NULL ELSE l.value END FROM log l WHERE l.revision IN ("
         "SELECT MAX(revision) FROM log WHERE " +
         key_condition("key", b) +
         " AND revision <= ?5 GROUP BY key) AND l.deleted = 0 ORDER BY l.key LIMIT ?3";
}

std::string past_count_sql(Bound b) {
  return "SELECT COUNT(*) FROM log l WHERE l.revision IN (SELECT MAX(revision) FROM log WHERE " +
         key_condition("key", b) + " AND revision <= ?5 GROUP BY key) AND l.deleted = 0";
}

std::string history_sql(Bound b) {
  return "SELECT l.revision, l.key, l.create_revision, l.version, l.lease, l.deleted, l.value, "
         "p.revision, p.create_revision, p.version, p.lease, p.value "
         "FROM log l LEFT JOIN log p ON p.revision = l.prev_revision "
         "WHERE l.revision >= ?3 AND l.revision <= ?4 AND " +
         key_condition("l.key", b) + " ORDER BY l.revision";
}

void bind_range(Statement& s, const std::string& key, const std::string& end, Bound b) {
  s.bind_blob(1, key);
  if (b == Bound::range) s.bind_blob(2, end);
}

KeyValue row_to_kv(const Statement& s) {
  KeyValue kv;
  kv.key = s.column_blob(0);
  kv.create_revision = s.column_int(1);
  kv.mod_revision = s.column_int(2);
  kv.version = s.column_int(3);
  kv.lease = s.column_int(4);
  kv.value = s.column_blob(5);
  return kv;
}

// A read transaction: BEGIN on construction, COMMIT (ending the snapshot) on destruction, so
// a read never holds back a checkpoint for longer than itself.
class ReadTxn {
 public:
  explicit ReadTxn(Connection& c) : c_(c) { ok_ = static_cast<bool>(c_.exec("BEGIN")); }
  ~ReadTxn() {
    if (ok_) (void)c_.exec("COMMIT");
  }
  bool ok() const { return ok_; }

 private:
  Connection& c_;
  bool ok_ = false;
};

}  // namespace

Result<Statement*> Reader::statement(const std::string& sql) {
  auto it = statements.find(sql);
  if (it != statements.end()) return &it->second;
  auto st = conn.prepare(sql);
  if (!st) return st.error();
  auto [pos, _] = statements.emplace(sql, std::move(*st));
  return &pos->second;
}

struct SqliteStore::ReaderLease {
  SqliteStore* store = nullptr;
  std::unique_ptr<Reader> reader;
  ReaderLease(SqliteStore* s, std::unique_ptr<Reader> r) : store(s), reader(std::move(r)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (reader) store->release_reader(std::move(reader));
  }
};

Result<SqliteStore::ReaderLease> SqliteStore::acquire_reader() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto r = std::move(pool_.back());
      pool_.pop_back();
      return ReaderLease(this, std::move(r));
    }
  }
  auto conn = open_reader(options_.path);
  if (!conn) return conn.error();
  auto r = std::make_unique<Reader>();
  r->conn = std::move(*conn);
  return ReaderLease(this, std::move(r));
}

void SqliteStore::release_reader(std::unique_ptr<Reader> r) {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < 16) pool_.push_back(std::move(r));
}

Result<RangeResult> SqliteStore::range(const RangeRequest& req) {
  if (req.key.empty()) return make_error(Errc::invalid_argument, "range: empty key");
  if (req.limit < 0) return make_error(Errc::invalid_argument, "range: negative limit");
  Bound b = bound_of(req.end);
  RangeResult out;
  if (b == Bound::range && req.end <= req.key) {
    out.revision = revision_.load();
    return out;
  }

  auto lease = acquire_reader();
  if (!lease) return lease.error();
  Reader& r = *lease->reader;
  ReadTxn txn(r.conn);
  if (!txn.ok()) return r.conn.error("range: begin");

  // The revision and compaction point as of this snapshot.
  auto meta = r.statement("SELECT (SELECT value FROM meta WHERE name = 'revision'), "
                          "(SELECT value FROM meta WHERE name = 'compact_revision')");
  if (!meta) return meta.error();
  auto row = (*meta)->step();
  if (!row) return row.error().wrap("range");
  Revision current = (*meta)->column_int(0);
  Revision compacted = (*meta)->column_int(1);
  (*meta)->reset();

  Revision at = req.revision == 0 ? current : req.revision;
  if (at > current) {
    return make_error(Errc::future_revision, "range at revision " + std::to_string(at) +
                                                 ": is a future revision (current " +
                                                 std::to_string(current) + ")");
  }
  if (at < compacted) {
    return make_error(Errc::compacted, "range at revision " + std::to_string(at) +
                                           ": required revision has been compacted (compacted to " +
                                           std::to_string(compacted) + ")");
  }
  out.revision = at;
  bool latest = at == current;

  auto count_rows = [&]() -> Result<int64_t> {
    auto st = r.statement(latest ? live_count_sql(b) : past_count_sql(b));
    if (!st) return st.error();
    Statement& s = **st;
    bind_range(s, req.key, req.end, b);
    if (!latest) s.bind(5, at);
    auto has = s.step();
    int64_t n = has && *has ? s.column_int(0) : 0;
    s.reset();
    if (!has) return has.error().wrap("count");
    return n;
  };

  if (req.count_only) {
    auto n = count_rows();
    if (!n) return n.error();
    out.count = *n;
    return out;
  }

  auto st = r.statement(latest ? live_rows_sql(b) : past_rows_sql(b));
  if (!st) return st.error();
  Statement& s = **st;
  bind_range(s, req.key, req.end, b);
  s.bind(3, req.limit > 0 ? req.limit + 1 : -1);
  s.bind(4, req.keys_only ? 1 : 0);
  if (!latest) s.bind(5, at);
  for (;;) {
    auto has = s.step();
    if (!has) {
      s.reset();
      return has.error().wrap("range");
    }
    if (!*has) break;
    out.kvs.push_back(row_to_kv(s));
  }
  s.reset();
  if (req.limit > 0 && static_cast<int64_t>(out.kvs.size()) > req.limit) {
    out.kvs.pop_back();
    out.more = true;
    auto n = count_rows();
    if (!n) return n.error();
    out.count = *n;
  } else {
    out.count = static_cast<int64_t>(out.kvs.size());
  }
  return out;
}

Result<std::vector<Event>> SqliteStore::read_history(const std::string& key, const std::string& end,
                                                     Revision from, Revision to) {
  std::vector<Event> events;
  auto lease = acquire_reader();
  if (!lease) return lease.error();
  Reader& r = *lease->reader;
  ReadTxn txn(r.conn);
  if (!txn.ok()) return r.conn.error("watch history: begin");
  auto compacted = r.conn.query_int("SELECT value FROM meta WHERE name = 'compact_revision'");
  if (!compacted) return compacted.error().wrap("watch history");
  if (from < *compacted) {
    return make_error(Errc::compacted, "watch from revision " + std::to_string(from) +
                                           ": required revision has been compacted (compacted to " +
                                           std::to_string(*compacted) + ")");
  }
  Bound b = bound_of(end);
  auto st = r.statement(history_sql(b));
  if (!st) return st.error();
  Statement& s = **st;
  bind_range(s, key, end, b);
  s.bind(3, from);
  s.bind(4, to);
  for (;;) {
    auto has = s.step();
    if (!has) {
      s.reset();
      return has.error().wrap("watch history");
    }
    if (!*has) break;
    Event ev;
    ev.kv.mod_revision = s.column_int(0);
    ev.kv.key = s.column_blob(1);
    bool deleted = s.column_int(5) != 0;
    ev.type = deleted ? Event::Type::del : Event::Type::put;
    if (!deleted) {
      ev.kv.create_revision = s.column_int(2);
      ev.kv.version = s.column_int(3);
      ev.kv.lease = s.column_int(4);
      ev.kv.value = s.column_blob(6);
    }
    if (!s.column_is_null(7)) {
      KeyValue p;
      p.key = ev.kv.key;
      p.mod_revision = s.column_int(7);
      p.create_revision = s.column_int(8);
      p.version = s.column_int(9);
      p.lease = s.column_int(10);
      p.value = s.column_blob(11);
      ev.prev = std::move(p);
    }
    events.push_back(std::move(ev));
  }
  s.reset();
  return events;
}

StoreStats SqliteStore::stats() {
  StoreStats st;
  st.revision = revision_.load();
  st.compact_revision = compact_revision_.load();
  struct stat sb{};
  if (::stat(options_.path.c_str(), &sb) == 0) st.db_size_bytes += sb.st_size;
  if (::stat((options_.path + "-wal").c_str(), &sb) == 0) st.db_size_bytes += sb.st_size;
  if (auto lease = acquire_reader()) {
    if (auto n = lease->reader->conn.query_int("SELECT COUNT(*) FROM live")) st.keys = *n;
  }
  st.watchers = static_cast<int64_t>(hub_->watcher_count());
  return st;
}

}  // namespace mk::store::sqlite
