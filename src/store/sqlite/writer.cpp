// The write path: one writer thread, group commit, transactions, leases.
#include <chrono>
#include <random>

#include "common/log.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"

namespace mk::store::sqlite {
namespace {

constexpr const char* kLookup =
    "SELECT l.revision, l.create_revision, l.version, l.lease, l.value "
    "FROM live v JOIN log l ON l.revision = v.revision WHERE v.key = ?1";
constexpr const char* kInsertLog =
    "INSERT INTO log (revision, key, create_revision, prev_revision, version, lease, deleted, value) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kUpsertLive =
    "INSERT INTO live (key, revision, lease) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, lease = excluded.lease";
constexpr const char* kDeleteLive = "DELETE FROM live WHERE key = ?1";
constexpr const char* kSetRevision = "UPDATE meta SET value = ?1 WHERE name = 'revision'";
constexpr const char* kInsertLease = "INSERT INTO leases (id, ttl, expires_at_ms) VALUES (?1, ?2, ?3)";
constexpr const char* kDeleteLease = "DELETE FROM leases WHERE id = ?1";
constexpr const char* kKeysOfLease = "SELECT key FROM live WHERE lease = ?1 ORDER BY key";

bool compare_holds(const Compare& c, const std::optional<KeyValue>& kv) {
  int64_t lhs = 0;
  switch (c.target) {
    case Compare::Target::mod_revision: lhs = kv ? kv->mod_revision : 0; break;
    case Compare::Target::create_revision: lhs = kv ? kv->create_revision : 0; break;
    case Compare::Target::version: lhs = kv ? kv->version : 0; break;
    case Compare::Target::exists: lhs = kv ? 1 : 0; break;
    case Compare::Target::value: {
      // A missing key compares as never equal to any value, as in etcd.
      if (!kv) return c.op == Compare::Op::not_equal;
      int r = kv->value.compare(c.value);
      switch (c.op) {
        case Compare::Op::equal: return r == 0;
        case Compare::Op::not_equal: return r != 0;
        case Compare::Op::less: return r < 0;
        case Compare::Op::greater: return r > 0;
      }
      return false;
    }
  }
  switch (c.op) {
    case Compare::Op::equal: return lhs == c.number;
    case Compare::Op::not_equal: return lhs != c.number;
    case Compare::Op::less: return lhs < c.number;
    case Compare::Op::greater: return lhs > c.number;
  }
  return false;
}

}  // namespace

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

SqliteStore::SqliteStore(const SqliteOptions& options) : options_(options) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  if (options.path.empty()) return make_error(Errc::invalid_argument, "open datastore: empty path");
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  if (auto s = store->start(); !s) return s.error();
  return store;
}

Status SqliteStore::start() {
  auto conn = open_writer(options_.path, options_.durability);
  if (!conn) return conn.error();
  writer_conn_ = std::make_unique<Connection>(std::move(*conn));

  auto rev = writer_conn_->query_int("SELECT value FROM meta WHERE name = 'revision'");
  if (!rev) return rev.error().wrap("open datastore " + options_.path);
  auto compacted = writer_conn_->query_int("SELECT value FROM meta WHERE name = 'compact_revision'");
  if (!compacted) return compacted.error().wrap("open datastore " + options_.path);
  // Guards against a revision counter behind the log (never written by this code, but a
  // revision must never be handed out twice).
  auto max_log = writer_conn_->query_int("SELECT COALESCE(MAX(revision), 0) FROM log");
  if (!max_log) return max_log.error().wrap("open datastore " + options_.path);
  revision_ = std::max(*rev, *max_log);
  next_revision_ = revision_;
  compact_revision_ = *compacted;
  if (auto s = load_leases(); !s) return s;

  hub_ = std::make_unique<WatchHub>(
      WatchHub::Options{options_.watcher_buffer, 8192, revision_.load()},
      [this](const std::string& k, const std::string& e, Revision from, Revision to) {
        return read_history(k, e, from, to);
      });
  next_compaction_tick_ms_ = now_ms() + options_.compact_interval_ms;
  writer_ = std::thread([this] { writer_loop(); });
  MK_LOG(info) << "store: opened " << options_.path << " revision=" << revision_.load()
               << " compacted=" << compact_revision_.load()
               << " durability=" << (options_.durability == Durability::full ? "full" : "normal");
  return Status::ok();
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (hub_) hub_->close(make_error(Errc::unavailable, "the store is closing"));
  hub_.reset();
  writer_statements_.clear();
  if (writer_conn_) {
    // Leaves a small WAL behind, so the next start doesn't replay a large one.
    (void)writer_conn_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
}

Statement* SqliteStore::wstmt(const char* sql) {
  auto it = writer_statements_.find(sql);
  if (it != writer_statements_.end()) return &it->second;
  auto st = writer_conn_->prepare(sql);
  if (!st) {
    MK_LOG(error) << "store: " << st.error().message;
    return nullptr;
  }
  return &writer_statements_.emplace(sql, std::move(*st)).first->second;
}

Status SqliteStore::submit(WriteRequest& req) {
  auto done = req.done.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return make_error(Errc::unavailable, "the store is closing");
    queue_.push_back(&req);
  }
  queue_cv_.notify_one();
  done.wait();
  if (req.error) return *req.error;
  return Status::ok();
}

void SqliteStore::writer_loop() {
  for (;;) {
    std::vector<WriteRequest*> batch;
    {
      std::unique_lock lock(queue_mu_);
      // Sleep until the next lease deadline or compaction tick, whichever comes first.
      int64_t wake_at = now_ms() + 3'600'000;
      if (options_.compact_interval_ms > 0) wake_at = std::min(wake_at, next_compaction_tick_ms_);
      if (!lease_by_deadline_.empty()) wake_at = std::min(wake_at, lease_by_deadline_.begin()->first);
      bool compacting = compact_target_ > compact_revision_.load();
      if (queue_.empty() && !stopping_ && !compacting) {
        int64_t wait = std::max<int64_t>(0, wake_at - now_ms());
        queue_cv_.wait_for(lock, std::chrono::milliseconds(wait),
                           [&] { return stopping_ || !queue_.empty(); });
      }
      if (stopping_ && queue_.empty()) break;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    if (!batch.empty()) run_batch(batch);
    expire_leases();
    if (compact_target_ > compact_revision_.load()) {
      if (auto s = compact_step(); !s) {
        MK_LOG(error) << "store: compaction: " << s.error().message;
        for (auto* w : compact_waiters_) {
          w->error = s.error();
          w->done.set_value();
        }
        compact_waiters_.clear();
        compact_target_ = compact_revision_.load();
      }
    }
    compaction_tick();
  }
  // Anything still queued when closing is refused, never silently dropped.
  std::lock_guard lock(queue_mu_);
  for (auto* req : queue_) {
    req->error = make_error(Errc::unavailable, "the store is closing");
    req->done.set_value();
  }
  queue_.clear();
  for (auto* w : compact_waiters_) {
    w->error = make_error(Errc::unavailable, "the store is closing");
    w->done.set_value();
  }
  compact_waiters_.clear();
}

void SqliteStore::run_batch(std::vector<WriteRequest*>& batch) {
  // Compactions only set a target; the steps run between write batches.
  std::vector<WriteRequest*> writes;
  for (auto* req : batch) {
    if (req->kind != WriteRequest::Kind::compact) {
      writes.push_back(req);
      continue;
    }
    Revision cur = revision_.load();
    if (req->compact_to > cur) {
      req->error = make_error(Errc::future_revision,
                              "compact to revision " + std::to_string(req->compact_to) +
                                  ": is a future revision (current " + std::to_string(cur) + ")");
      req->done.set_value();
    } else if (req->compact_to <= compact_revision_.load()) {
      req->error = make_error(Errc::compacted, "compact to revision " +
                                                   std::to_string(req->compact_to) +
                                                   ": required revision has been compacted");
      req->done.set_value();
    } else {
      compact_target_ = std::max(compact_target_, req->compact_to);
      compact_waiters_.push_back(req);
    }
  }
  if (writes.empty()) return;

  std::vector<Event> events;
  if (apply_batch(writes, events)) {
    revision_ = next_revision_;
    for (auto* req : writes) req->done.set_value();
    hub_->publish(std::move(events));
    return;
  }
  // The batch failed as a whole (disk full, I/O error): retry each write alone so one bad
  // write cannot fail its neighbours, and answer each with its own outcome.
  for (auto* req : writes) {
    std::vector<WriteRequest*> one{req};
    std::vector<Event> ev;
    req->error.reset();
    if (apply_batch(one, ev)) {
      revision_ = next_revision_;
      hub_->publish(std::move(ev));
    } else if (!req->error) {
      req->error = make_error(Errc::io, "write failed");
    }
    req->done.set_value();
  }
}

// Applies requests in one transaction. On false, nothing was committed, the revision counter
// is restored, and request errors describe why.
bool SqliteStore::apply_batch(std::vector<WriteRequest*>& batch, std::vector<Event>& events) {
  Revision saved = next_revision_;
  auto fail = [&](const Error& e) {
    (void)writer_conn_->exec("ROLLBACK");
    next_revision_ = saved;
    events.clear();
    for (auto* req : batch) {
      req->error = e;
      req->txn = TxnResult{};
    }
    // Lease grants and revokes of the failed batch must not linger in memory.
    if (auto s = load_leases(); !s) MK_LOG(error) << "store: reload leases: " << s.error().message;
    return false;
  };
  if (auto s = writer_conn_->exec("BEGIN IMMEDIATE"); !s) return fail(s.error());
  for (auto* req : batch) {
    Status s;
    switch (req->kind) {
      case WriteRequest::Kind::txn: s = apply_txn(*req, events); break;
      case WriteRequest::Kind::grant: s = apply_grant(*req); break;
      case WriteRequest::Kind::revoke: s = apply_revoke(req->lease, true, events); break;
      case WriteRequest::Kind::compact: break;
    }
    if (!s) {
      // A refused request (bad lease, missing key) is that request's answer; a database
      // error fails the batch.
      if (s.error().code == Errc::io || s.error().code == Errc::corrupt ||
          s.error().code == Errc::internal || s.error().code == Errc::unavailable) {
        return fail(s.error());
      }
      req->error = s.error();
    }
  }
  if (next_revision_ != saved) {
    Statement* st = wstmt(kSetRevision);
    if (!st) return fail(make_error(Errc::internal, "prepare revision update"));
    if (auto s = st->bind(1, next_revision_).run(); !s) return fail(s.error());
  }
  if (auto s = writer_conn_->exec("COMMIT"); !s) return fail(s.error());
  return true;
}

Result<std::optional<KeyValue>> SqliteStore::lookup(const std::string& key) {
  Statement* st = wstmt(kLookup);
  if (!st) return make_error(Errc::internal, "prepare lookup");
  st->bind_blob(1, key);
  auto has = st->step();
  if (!has) {
    st->reset();
    return has.error().wrap("lookup");
  }
  std::optional<KeyValue> kv;
  if (*has) {
    kv.emplace();
    kv->key = key;
    kv->mod_revision = st->column_int(0);
    kv->create_revision = st->column_int(1);
    kv->version = st->column_int(2);
    kv->lease = st->column_int(3);
    kv->value = st->column_blob(4);
  }
  st->reset();
  return kv;
}

Status SqliteStore::put_row(const std::string& key, const std::string& value, LeaseId lease,
                            const std::optional<KeyValue>& prev, std::vector<Event>& events) {
  Revision rev = ++next_revision_;
  Event ev;
  ev.type = Event::Type::put;
  ev.kv.key = key;
  ev.kv.value = value;
  ev.kv.mod_revision = rev;
  ev.kv.create_revision = prev ? prev->create_revision : rev;
  ev.kv.version = prev ? prev->version + 1 : 1;
  ev.kv.lease = lease;
  ev.prev = prev;
  Statement* ins = wstmt(kInsertLog);
  Statement* live = wstmt(kUpsertLive);
  if (!ins || !live) return make_error(Errc::internal, "prepare put");
  ins->bind(1, rev).bind_blob(2, key).bind(3, ev.kv.create_revision).bind(4, prev ? prev->mod_revision : 0);
  ins->bind(5, ev.kv.version).bind(6, lease).bind(7, 0).bind_blob(8, value);
  if (auto s = ins->run(); !s) return s.error().wrap("put " + key);
  if (auto s = live->bind_blob(1, key).bind(2, rev).bind(3, lease).run(); !s)
    return s.error().wrap("put " + key);
  events.push_back(std::move(ev));
  return Status::ok();
}

Status SqliteStore::delete_row(const KeyValue& prev, std::vector<Event>& events) {
  Revision rev = ++next_revision_;
  Statement* ins = wstmt(kInsertLog);
  Statement* live = wstmt(kDeleteLive);
  if (!ins || !live) return make_error(Errc::internal, "prepare delete");
  ins->bind(1, rev).bind_blob(2, prev.key).bind(3, prev.create_revision).bind(4, prev.mod_revision);
  ins->bind(5, 0).bind(6, 0).bind(7, 1).bind_null(8);
  if (auto s = ins->run(); !s) return s.error().wrap("delete " + prev.key);
  if (auto s = live->bind_blob(1, prev.key).run(); !s) return s.error().wrap("delete " + prev.key);
  Event ev;
  ev.type = Event::Type::del;
  ev.kv.key = prev.key;
  ev.kv.mod_revision = rev;
  ev.prev = prev;
  events.push_back(std::move(ev));
  return Status::ok();
}

Status SqliteStore::apply_txn(WriteRequest& req, std::vector<Event>& events) {
  // Current values of the keys this transaction touches, read once and kept up to date as
  // its own writes land (most transactions compare and write the same key).
  std::unordered_map<std::string, std::optional<KeyValue>> seen;
  auto current = [&](const std::string& key) -> Result<std::optional<KeyValue>*> {
    auto it = seen.find(key);
    if (it != seen.end()) return &it->second;
    auto kv = lookup(key);
    if (!kv) return kv.error();
    return &seen.emplace(key, std::move(*kv)).first->second;
  };

  bool ok = true;
  for (const auto& c : req.compares) {
    auto kv = current(c.key);
    if (!kv) return kv.error();
    if (!compare_holds(c, **kv)) {
      ok = false;
      break;
    }
  }
  const auto& ops = ok ? req.success : req.failure;
  for (const auto& op : ops) {
    if (op.key.empty()) return make_error(Errc::invalid_argument, "transaction: empty key");
    if (op.type == TxnOp::Type::put && op.lease != 0 && !lease_deadline_ms_.count(op.lease)) {
      return make_error(Errc::not_found, "put " + op.key + ": lease " + std::to_string(op.lease) +
                                             " not found");
    }
  }
  req.txn.succeeded = ok;
  req.txn.results.clear();
  for (const auto& op : ops) {
    auto cur = current(op.key);
    if (!cur) return cur.error();
    std::optional<KeyValue>& kv = **cur;
    req.txn.results.push_back(kv);
    switch (op.type) {
      case TxnOp::Type::get:
        break;
      case TxnOp::Type::put:
        if (auto s = put_row(op.key, op.value, op.lease, kv, events); !s) return s;
        kv = events.back().kv;
        break;
      case TxnOp::Type::del:
        if (kv) {
          if (auto s = delete_row(*kv, events); !s) return s;
          kv.reset();
        }
        break;
    }
  }
  req.txn.revision = next_revision_;
  return Status::ok();
}

Status SqliteStore::apply_grant(WriteRequest& req) {
  if (req.ttl <= 0) return make_error(Errc::invalid_argument, "grant lease: ttl must be positive");
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  LeaseId id = 0;
  do {
    id = static_cast<LeaseId>(rng() >> 1);
  } while (id == 0 || lease_deadline_ms_.count(id));
  int64_t deadline = now_ms() + req.ttl * 1000;
  Statement* st = wstmt(kInsertLease);
  if (!st) return make_error(Errc::internal, "prepare lease grant");
  if (auto s = st->bind(1, id).bind(2, req.ttl).bind(3, deadline).run(); !s) return s.error().wrap("grant lease");
  lease_deadline_ms_[id] = deadline;
  lease_by_deadline_.emplace(deadline, id);
  req.lease = id;
  return Status::ok();
}

Status SqliteStore::apply_revoke(LeaseId id, bool must_exist, std::vector<Event>& events) {
  auto it = lease_deadline_ms_.find(id);
  if (it == lease_deadline_ms_.end()) {
    if (must_exist) return make_error(Errc::not_found, "revoke lease " + std::to_string(id) + ": not found");
    return Status::ok();
  }
  std::vector<std::string> keys;
  Statement* st = wstmt(kKeysOfLease);
  if (!st) return make_error(Errc::internal, "prepare lease keys");
  st->bind(1, id);
  for (;;) {
    auto has = st->step();
    if (!has) {
      st->reset();
      return has.error().wrap("revoke lease");
    }
    if (!*has) break;
    keys.push_back(st->column_blob(0));
  }
  st->reset();
  for (const auto& key : keys) {
    auto cur = lookup(key);
    if (!cur) return cur.error();
    if (*cur) {
      if (auto s = delete_row(**cur, events); !s) return s;
    }
  }
  Statement* del = wstmt(kDeleteLease);
  if (!del) return make_error(Errc::internal, "prepare lease delete");
  if (auto s = del->bind(1, id).run(); !s) return s.error().wrap("revoke lease");
  auto range = lease_by_deadline_.equal_range(it->second);
  for (auto i = range.first; i != range.second; ++i) {
    if (i->second == id) {
      lease_by_deadline_.erase(i);
      break;
    }
  }
  lease_deadline_ms_.erase(it);
  return Status::ok();
}

Status SqliteStore::load_leases() {
  lease_deadline_ms_.clear();
  lease_by_deadline_.clear();
  auto st = writer_conn_->prepare("SELECT id, expires_at_ms FROM leases");
  if (!st) return st.error().wrap("load leases");
  for (;;) {
    auto has = st->step();
    if (!has) return has.error().wrap("load leases");
    if (!*has) break;
    lease_deadline_ms_[st->column_int(0)] = st->column_int(1);
    lease_by_deadline_.emplace(st->column_int(1), st->column_int(0));
  }
  return Status::ok();
}

void SqliteStore::expire_leases() {
  int64_t now = now_ms();
  std::vector<LeaseId> due;
  for (auto it = lease_by_deadline_.begin(); it != lease_by_deadline_.end() && it->first <= now; ++it)
    due.push_back(it->second);
  if (due.empty()) return;
  // Expiry is a revoke by the store itself, one transaction for all leases due.
  std::vector<WriteRequest> reqs(due.size());
  std::vector<WriteRequest*> batch;
  for (size_t i = 0; i < due.size(); ++i) {
    reqs[i].kind = WriteRequest::Kind::revoke;
    reqs[i].lease = due[i];
    batch.push_back(&reqs[i]);
  }
  std::vector<Event> events;
  if (apply_batch(batch, events)) {
    revision_ = next_revision_;
    hub_->publish(std::move(events));
  } else {
    MK_LOG(error) << "store: lease expiry: " << reqs[0].error->message;
  }
}

// Public write API: each is one request to the writer thread.

Result<TxnResult> SqliteStore::txn(const std::vector<Compare>& compares,
                                   const std::vector<TxnOp>& success,
                                   const std::vector<TxnOp>& failure) {
  WriteRequest req;
  req.compares = compares;
  req.success = success;
  req.failure = failure;
  if (auto s = submit(req); !s) return s.error();
  return std::move(req.txn);
}

WriteOutcome<WriteResult> SqliteStore::create(const std::string& key, const std::string& value,
                                              LeaseId lease) {
  if (key.empty()) return make_error(Errc::invalid_argument, "create: empty key");
  auto r = txn({Compare{key, Compare::Target::exists, Compare::Op::equal, 0, {}}},
               {TxnOp{TxnOp::Type::put, key, value, lease}}, {TxnOp{TxnOp::Type::get, key, {}, 0}});
  if (!r) return r.error();
  if (!r->succeeded) {
    return CompareFailure{make_error(Errc::already_exists, "create " + key + ": key exists"),
                          r->results.at(0)};
  }
  return WriteResult{r->revision, std::nullopt};
}

WriteOutcome<WriteResult> SqliteStore::update(const std::string& key, const std::string& value,
                                              Revision expected, LeaseId lease) {
  if (key.empty()) return make_error(Errc::invalid_argument, "update: empty key");
  // The key must exist: a missing key's mod_revision reads as 0, which must not let
  // update(key, v, 0) create it.
  auto r = txn({Compare{key, Compare::Target::exists, Compare::Op::equal, 1, {}},
                Compare{key, Compare::Target::mod_revision, Compare::Op::equal, expected, {}}},
               {TxnOp{TxnOp::Type::put, key, value, lease}}, {TxnOp{TxnOp::Type::get, key, {}, 0}});
  if (!r) return r.error();
  const auto& cur = r->results.at(0);
  if (!r->succeeded) {
    if (!cur) return CompareFailure{make_error(Errc::not_found, "update " + key + ": not found"), cur};
    return CompareFailure{make_error(Errc::conflict, "update " + key + ": mod_revision is " +
                                                         std::to_string(cur->mod_revision) +
                                                         ", not " + std::to_string(expected)),
                          cur};
  }
  return WriteResult{r->revision, cur};
}

WriteOutcome<WriteResult> SqliteStore::remove(const std::string& key, Revision expected) {
  if (key.empty()) return make_error(Errc::invalid_argument, "delete: empty key");
  Compare c = expected == 0
                  ? Compare{key, Compare::Target::exists, Compare::Op::equal, 1, {}}
                  : Compare{key, Compare::Target::mod_revision, Compare::Op::equal, expected, {}};
  auto r = txn({c}, {TxnOp{TxnOp::Type::del, key, {}, 0}}, {TxnOp{TxnOp::Type::get, key, {}, 0}});
  if (!r) return r.error();
  const auto& cur = r->results.at(0);
  if (!r->succeeded) {
    if (!cur) return CompareFailure{make_error(Errc::not_found, "delete " + key + ": not found"), cur};
    return CompareFailure{make_error(Errc::conflict, "delete " + key + ": mod_revision is " +
                                                         std::to_string(cur->mod_revision) +
                                                         ", not " + std::to_string(expected)),
                          cur};
  }
  return WriteResult{r->revision, cur};
}

Result<LeaseId> SqliteStore::grant_lease(int64_t ttl_seconds) {
  WriteRequest req;
  req.kind = WriteRequest::Kind::grant;
  req.ttl = ttl_seconds;
  if (auto s = submit(req); !s) return s.error();
  return req.lease;
}

Status SqliteStore::revoke_lease(LeaseId id) {
  WriteRequest req;
  req.kind = WriteRequest::Kind::revoke;
  req.lease = id;
  return submit(req);
}

Result<std::unique_ptr<Watcher>> SqliteStore::watch(const WatchRequest& req) {
  return hub_->watch(req, revision_.load(), compact_revision_.load());
}

}  // namespace mk::store::sqlite
