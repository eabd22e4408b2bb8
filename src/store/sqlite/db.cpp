#include "store/sqlite/db.h"

namespace mk::store::sqlite {

Errc errc_from_sqlite(int code) {
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return Errc::corrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
      return Errc::io;
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Errc::permission_denied;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Errc::unavailable;
    case SQLITE_TOOBIG:
      return Errc::too_large;
    case SQLITE_CONSTRAINT:
      return Errc::conflict;
    default:
      return Errc::internal;
  }
}

Result<Connection> Connection::open(const std::string& path, bool create) {
  Connection c;
  c.path_ = path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &c.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = c.error("open " + path);
    return e;
  }
  sqlite3_extended_result_codes(c.db_, 1);
  return c;
}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = o.db_;
    path_ = std::move(o.path_);
    o.db_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  if (db_) sqlite3_close_v2(db_);
}

Error Connection::error(std::string_view what) const {
  int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_CANTOPEN;
  std::string msg(what);
  msg += ": ";
  msg += db_ ? sqlite3_errmsg(db_) : "cannot open database";
  return Error{errc_from_sqlite(code), std::move(msg)};
}

Status Connection::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = path_ + ": " + (err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    return Error{errc_from_sqlite(rc), std::move(msg)};
  }
  return Status::ok();
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) return error(path_ + ": prepare");
  return Statement(stmt, this);
}

Result<int64_t> Connection::query_int(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, path_ + ": query returned no row");
  return st->column_int(0);
}

Result<std::string> Connection::query_text(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, path_ + ": query returned no row");
  return st->column_blob(0);
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    conn_ = o.conn_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view v) {
  // A zero-length blob must still be a blob (not NULL) so that comparisons behave.
  sqlite3_bind_blob64(stmt_, index, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = conn_->error("step");
  sqlite3_reset(stmt_);
  return e;
}

Status Statement::run() {
  for (;;) {
    auto r = step();
    if (!r) {
      reset();
      return r.error();
    }
    if (!*r) break;
  }
  reset();
  return Status::ok();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::column_blob(int i) const {
  const void* p = sqlite3_column_blob(stmt_, i);
  int n = sqlite3_column_bytes(stmt_, i);
  if (!p || n <= 0) return std::string();
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

}  // namespace mk::store::sqlite
