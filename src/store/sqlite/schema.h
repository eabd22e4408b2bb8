#pragma once
// The on-disk layout of the SQLite store, and opening a file into it.
//
//   log(revision PK, key, create_revision, prev_revision, version, lease, deleted, value)
//       one row per write, as etcd's MVCC history: revision = the write's revision,
//       prev_revision = the key's previous row (0 on create), deleted = tombstone.
//   live(key PK, revision, lease)
//       one row per live key pointing at its current log row, so reads of the current state
//       cost O(live keys), not O(history) (kine scans history for every list).
//   leases(id PK, ttl, expires_at_ms)
//       wall-clock deadlines, so expiry survives restarts.
//   meta(name PK, value)
//       'revision' (the store's revision, which a compacted log can no longer show) and
//       'compact_revision'.

#include <string>

#include "common/error.h"
#include "store/kv.h"
#include "store/sqlite/db.h"

namespace mk::store::sqlite {

// Opens the writer connection: WAL, the durability setting, incremental auto-vacuum on new
// files, the schema created or checked. A file that is not a database gives Errc::corrupt.
Result<Connection> open_writer(const std::string& path, Durability durability);

// Opens a connection for reads on an existing store.
Result<Connection> open_reader(const std::string& path);

}  // namespace mk::store::sqlite
