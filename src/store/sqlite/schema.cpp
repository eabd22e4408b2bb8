#include "store/sqlite/schema.h"

#include <sys/stat.h>

namespace mk::store::sqlite {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  value BLOB
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS live (
  key BLOB PRIMARY KEY,
  revision INTEGER NOT NULL,
  lease INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS live_lease ON live (lease) WHERE lease != 0;
CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compact_revision', 0), ('schema_version', 1);
)sql";

Status apply_pragmas(Connection& c) {
  // A long busy timeout: the writer's checkpoints briefly wait for readers and vice versa.
  if (auto s = c.exec("PRAGMA busy_timeout = 10000"); !s) return s;
  return Status::ok();
}

}  // namespace

Result<Connection> open_writer(const std::string& path, Durability durability) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return make_error(Errc::io, "open datastore " + path + ": is a directory");
  }
  auto conn = Connection::open(path, true);
  if (!conn) return conn.error().wrap("open datastore");
  Connection& c = *conn;
  if (auto s = apply_pragmas(c); !s) return s.error().wrap("open datastore");

  // Reading the page count is the first real access: a file that is not a database fails here.
  auto pages = c.query_int("PRAGMA page_count");
  if (!pages) return pages.error().wrap("open datastore");
  if (*pages == 0) {
    // Must precede the first table: lets compaction hand freed pages back to the filesystem.
    if (auto s = c.exec("PRAGMA auto_vacuum = INCREMENTAL"); !s) return s.error();
  }
  auto mode = c.query_text("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error().wrap("open datastore");
  if (*mode != "wal") {
    return make_error(Errc::io, "open datastore " + path + ": cannot use write-ahead logging (mode " +
                                    *mode + ")");
  }
  const char* sync = durability == Durability::full ? "PRAGMA synchronous = FULL"
                                                    : "PRAGMA synchronous = NORMAL";
  if (auto s = c.exec(sync); !s) return s.error();
  // Bounds the WAL file left behind after a checkpoint.
  if (auto s = c.exec("PRAGMA journal_size_limit = 67108864"); !s) return s.error();
  if (auto s = c.exec(kCreateSchema); !s) return s.error().wrap("open datastore");
  auto version = c.query_int("SELECT value FROM meta WHERE name = 'schema_version'");
  if (!version) return version.error().wrap("open datastore");
  if (*version != kSchemaVersion) {
    return make_error(Errc::unsupported, "open datastore " + path + ": schema version " +
                                             std::to_string(*version) + " is not supported");
  }
  return conn;
}

Result<Connection> open_reader(const std::string& path) {
  auto conn = Connection::open(path, false);
  if (!conn) return conn.error().wrap("open datastore reader");
  if (auto s = apply_pragmas(*conn); !s) return s.error();
  return conn;
}

}  // namespace mk::store::sqlite
