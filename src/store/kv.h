#pragma once
// The key-value shim: etcd v3 semantics over a pluggable backend (SQLite today; PostgreSQL and
// etcd later). The API server is written against this interface only.
//
// Semantics, as etcd's:
// - One global revision, incremented by every successful write (a transaction that writes
//   several keys takes one revision per write, in order).
// - Each live key carries create_revision, mod_revision and version (puts since creation).
// - Reads may be at a past revision down to the compacted one; older gives Errc::compacted,
//   newer than the current gives Errc::future_revision.
// - A watch delivers every event in revision order, with the previous value, from any revision
//   not yet compacted. A watcher that falls behind its bounded buffer is cancelled with a reason
//   and resumes by opening a new watch from last_revision() + 1.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::store {

using Revision = int64_t;
using LeaseId = int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
  int64_t version = 0;
  LeaseId lease = 0;
};

// The end of the range holding every key that starts with prefix; a single NUL byte ("to the
// end of the keyspace", as etcd writes it) when the prefix is all 0xff bytes.
std::string prefix_end(const std::string& prefix);

struct RangeRequest {
  std::string key;        // first key
  std::string end;        // one past the last key; empty: the single key `key`
  Revision revision = 0;  // 0: latest
  int64_t limit = 0;      // 0: no limit
  bool count_only = false;
  bool keys_only = false;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  Revision revision = 0;  // the revision the read was served at
  int64_t count = 0;      // all keys in the range at that revision, ignoring limit
  bool more = false;      // limit cut the answer; continue from next_key() at `revision`
  // Where the next page starts: the last returned key followed by a NUL byte.
  std::string next_key() const;
};

// Answer to a single-key write.
struct WriteResult {
  Revision revision = 0;            // the revision of this write
  std::optional<KeyValue> prev;     // the value before (for delete and update)
};

// A failed compare: Errc::conflict (or already_exists / not_found) in the Error, with the key's
// current value here so the caller can retry without another read.
struct CompareFailure {
  Error error;
  std::optional<KeyValue> current;
};

template <typename T>
class WriteOutcome {
 public:
  WriteOutcome(T v) : value_(std::move(v)) {}
  WriteOutcome(CompareFailure f) : failure_(std::move(f)) {}
  WriteOutcome(Error e) : failure_(CompareFailure{std::move(e), std::nullopt}) {}
  explicit operator bool() const { return value_.has_value(); }
  bool has_value() const { return value_.has_value(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  const Error& error() const { return failure_->error; }
  const std::optional<KeyValue>& current() const { return failure_->current; }

 private:
  std::optional<T> value_;
  std::optional<CompareFailure> failure_;
};

// A general transaction, as etcd's Txn: if every compare holds, run `success`, else `failure`.
struct Compare {
  enum class Target { mod_revision, create_revision, version, value, exists };
  enum class Op { equal, not_equal, less, greater };
  std::string key;
  Target target = Target::mod_revision;
  Op op = Op::equal;
  int64_t number = 0;  // for the revision/version targets; `exists` compares as a bool (0/1)
  std::string value;   // for Target::value
};

struct TxnOp {
  enum class Type { put, del, get };
  Type type = Type::get;
  std::string key;
  std::string value;  // put
  LeaseId lease = 0;  // put
};

struct TxnResult {
  bool succeeded = false;
  Revision revision = 0;  // the store's revision after the transaction
  // One per op of the branch that ran: for put and del the previous value, for get the value.
  std::vector<std::optional<KeyValue>> results;
};

struct Event {
  enum class Type { put, del };
  Type type = Type::put;
  KeyValue kv;                   // for del: key and mod_revision (the delete's revision) only
  std::optional<KeyValue> prev;  // the value before this event, if the key existed
};

// A subscription, filled by the store and drained by its owner on any thread.
class Watcher {
 public:
  virtual ~Watcher() = default;
  // Takes up to max pending events (in revision order). Returns at once.
  virtual std::vector<Event> take(size_t max = SIZE_MAX) = 0;
  // Waits until events are pending, the watcher is cancelled, or the timeout passes.
  virtual bool wait_for(int64_t timeout_ms) = 0;
  // Called (from a store thread; keep it short and non-blocking) whenever events become pending
  // or the watcher is cancelled. Set it once, before consuming.
  virtual void set_notify(std::function<void()> notify) = 0;
  // Set when the store dropped this watcher (slow consumer, store closing). Events taken before
  // cancellation are valid; resume with a new watch from last_revision() + 1.
  virtual std::optional<Error> cancelled() const = 0;
  // The revision of the last event handed out by take(), or from_revision - 1 at first.
  virtual Revision last_revision() const = 0;
};

struct WatchRequest {
  std::string key;
  std::string end;             // empty: just `key`
  Revision from_revision = 0;  // first revision to deliver; 0: only events after now
  bool prev_kv = true;
};

struct StoreStats {
  Revision revision = 0;
  Revision compact_revision = 0;
  int64_t db_size_bytes = 0;  // database file plus WAL
  int64_t keys = 0;
  int64_t watchers = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<RangeResult> range(const RangeRequest& req) = 0;
  Result<std::optional<KeyValue>> get(const std::string& key, Revision revision = 0);
  Result<int64_t> count(const std::string& key, const std::string& end);

  // Fails with Errc::already_exists (and the current value) if the key is live.
  virtual WriteOutcome<WriteResult> create(const std::string& key, const std::string& value,
                                           LeaseId lease = 0) = 0;
  // Compare-and-swap on mod_revision. Errc::not_found if absent, Errc::conflict (with the
  // current value) if it moved.
  virtual WriteOutcome<WriteResult> update(const std::string& key, const std::string& value,
                                           Revision expected_mod_revision, LeaseId lease = 0) = 0;
  // Deletes; expected_mod_revision 0 means unconditionally. Errc::not_found if absent.
  virtual WriteOutcome<WriteResult> remove(const std::string& key,
                                           Revision expected_mod_revision = 0) = 0;
  virtual Result<TxnResult> txn(const std::vector<Compare>& compares,
                                const std::vector<TxnOp>& success,
                                const std::vector<TxnOp>& failure) = 0;

  virtual Result<std::unique_ptr<Watcher>> watch(const WatchRequest& req) = 0;

  // Drops history older than `revision` (superseded values and tombstones). Reads and watches
  // below it then fail with Errc::compacted.
  virtual Status compact(Revision revision) = 0;

  // Leases: keys put with a lease are deleted when it expires or is revoked. Expiry survives
  // restarts (deadlines are wall-clock times kept in the database).
  virtual Result<LeaseId> grant_lease(int64_t ttl_seconds) = 0;
  virtual Status revoke_lease(LeaseId id) = 0;

  virtual StoreStats stats() = 0;
  virtual Revision current_revision() = 0;
};

enum class Durability {
  full,    // fsync at every commit (group-committed): acknowledged writes survive power loss
  normal,  // fsync at checkpoints only: survives a process crash, may lose the last writes
           // on power loss
};

struct SqliteOptions {
  std::string path;
  Durability durability = Durability::full;
  // Automatic compaction keeps at least this many revisions and this much time.
  int64_t compact_min_retain = 1000;
  int64_t compact_min_age_seconds = 300;
  int64_t compact_interval_ms = 30'000;  // 0 disables automatic compaction
  size_t watcher_buffer = 10'000;        // events pending per watcher before it is cancelled
  size_t max_batch = 1024;               // writes grouped into one transaction at most
};

// Opens (creating if needed) a SQLite store. A file that is not a usable database gives
// Errc::corrupt with the path in the message.
Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options);

// Opens the backend named by a datastore endpoint: "" or "sqlite://PATH" (PATH may be relative
// to data_dir). Other schemes give Errc::unsupported for now.
Result<std::unique_ptr<Store>> open_endpoint(const std::string& endpoint, const std::string& data_dir,
                                             Durability durability);

}  // namespace mk::store
