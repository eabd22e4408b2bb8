#pragma once
// Shared helpers for the store tests: a temporary directory removed even when a test fails, store
// opening, polling with a deadline, and readable failure messages.

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/error.h"
#include "store/kv.h"

namespace mk::store::test {

// A fresh directory under /tmp, removed with everything in it when the guard goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/mk-store-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + pattern + " failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string error_text(const Error& e) {
  return std::string(errc_name(e.code)) + ": " + e.message;
}

// Store settings for tests: a file in `dir`, no automatic compaction unless a test asks for it.
inline SqliteOptions test_options(const TempDir& dir, const std::string& name = "state.db") {
  SqliteOptions o;
  o.path = dir.file(name);
  o.durability = Durability::full;
  o.compact_interval_ms = 0;
  return o;
}

// Polls `cond` until it holds or `timeout` passes; true if it held.
template <typename Cond>
bool poll_until(Cond cond, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

// Takes events from `w` until `n` have arrived, the watcher is cancelled, or `timeout` passes.
inline std::vector<Event> take_events(Watcher& w, size_t n,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::vector<Event> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n) {
    auto got = w.take(n - out.size());
    out.insert(out.end(), std::make_move_iterator(got.begin()), std::make_move_iterator(got.end()));
    if (out.size() >= n || w.cancelled()) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    w.wait_for(std::min<int64_t>(left.count(), 100));
  }
  return out;
}

inline int64_t file_size_or_zero(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_size);
}

}  // namespace mk::store::test

// Fails the test with the error's code and message when a Result/Status/WriteOutcome failed.
#define MK_REQUIRE_OK(expr)                                                                   \
  do {                                                                                        \
    const auto& mk_req_ok_ = (expr);                                                          \
    if (!mk_req_ok_.has_value()) {                                                            \
      FAIL(#expr << " failed: " << ::mk::store::test::error_text(mk_req_ok_.error()));        \
    }                                                                                         \
  } while (0)

// Requires a failure with the given Errc, showing what came back otherwise.
#define MK_REQUIRE_ERRC(expr, errc)                                                           \
  do {                                                                                        \
    const auto& mk_req_err_ = (expr);                                                         \
    if (mk_req_err_.has_value()) FAIL(#expr << " succeeded; expected " << ::mk::errc_name(errc)); \
    INFO(#expr << " -> " << ::mk::store::test::error_text(mk_req_err_.error()));              \
    REQUIRE(mk_req_err_.error().code == (errc));                                              \
  } while (0)

// Opens a store or fails the test with the error.
#define MK_OPEN_STORE(var, options)                                                           \
  std::unique_ptr<::mk::store::Store> var;                                                    \
  do {                                                                                        \
    auto mk_open_ = ::mk::store::open_sqlite(options);                                        \
    MK_REQUIRE_OK(mk_open_);                                                                  \
    var = std::move(mk_open_.value());                                                        \
  } while (0)

namespace mk::store::test {

inline TxnOp op_put(const std::string& key, const std::string& value, LeaseId lease = 0) {
  TxnOp op;
  op.type = TxnOp::Type::put;
  op.key = key;
  op.value = value;
  op.lease = lease;
  return op;
}

inline TxnOp op_del(const std::string& key) {
  TxnOp op;
  op.type = TxnOp::Type::del;
  op.key = key;
  return op;
}

inline TxnOp op_get(const std::string& key) {
  TxnOp op;
  op.type = TxnOp::Type::get;
  op.key = key;
  return op;
}

inline Compare cmp(const std::string& key, Compare::Target target, Compare::Op op, int64_t number) {
  Compare c;
  c.key = key;
  c.target = target;
  c.op = op;
  c.number = number;
  return c;
}

inline Compare cmp_value(const std::string& key, Compare::Op op, const std::string& value) {
  Compare c;
  c.key = key;
  c.target = Compare::Target::value;
  c.op = op;
  c.value = value;
  return c;
}

// An unconditional put (a transaction without compares); returns the write's revision.
inline Revision must_put(Store& s, const std::string& key, const std::string& value,
                         LeaseId lease = 0) {
  auto r = s.txn({}, {op_put(key, value, lease)}, {});
  MK_REQUIRE_OK(r);
  REQUIRE(r->succeeded);
  return r->revision;
}

inline KeyValue must_get(Store& s, const std::string& key, Revision revision = 0) {
  auto r = s.get(key, revision);
  MK_REQUIRE_OK(r);
  INFO("get " << key << " at " << revision);
  REQUIRE(r->has_value());
  return **r;
}

inline bool is_absent(Store& s, const std::string& key, Revision revision = 0) {
  auto r = s.get(key, revision);
  MK_REQUIRE_OK(r);
  return !r->has_value();
}

}  // namespace mk::store::test
