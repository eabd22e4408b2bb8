#pragma once
// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement, reporting
// failures as mk::Error. No policy here; the store decides what to run.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::store::sqlite {

class Statement;

class Connection {
 public:
  // Opens (read-write, creating if asked) without SQLite's own mutex: one thread at a time.
  static Result<Connection> open(const std::string& path, bool create);
  Connection() = default;
  Connection(Connection&& o) noexcept : db_(o.db_), path_(std::move(o.path_)) { o.db_ = nullptr; }
  Connection& operator=(Connection&& o) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // The first column of the first row of a query, as an integer.
  Result<int64_t> query_int(std::string_view sql);
  Result<std::string> query_text(std::string_view sql);

  Error error(std::string_view what) const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement, reset for reuse after each run.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* s, const Connection* c) : stmt_(s), conn_(c) {}
  Statement(Statement&& o) noexcept : stmt_(o.stmt_), conn_(o.conn_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t v);
  Statement& bind_blob(int index, std::string_view v);
  Statement& bind_null(int index);

  // Steps once: true with a row, false when done; an Error otherwise.
  Result<bool> step();
  // Runs to completion (for writes).
  Status run();
  void reset();

  int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::string column_blob(int i) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  const Connection* conn_ = nullptr;
};

// Maps a SQLite result code to the project's error kinds (corrupt, io, full, busy...).
Errc errc_from_sqlite(int code);

}  // namespace mk::store::sqlite
