// What survives closing and reopening the store, and what happens when the file is not a store.

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "store_test_util.h"

using namespace mk::store;
using namespace mk::store::test;
using mk::Errc;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool one_of(Errc code, std::initializer_list<Errc> allowed) {
  for (Errc e : allowed) {
    if (code == e) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("data, metadata, history and revision persist across close and reopen", "[store]") {
  TempDir dir;
  const SqliteOptions opts = test_options(dir);
  Revision r_first = 0;
  Revision r_last = 0;
  {
    MK_OPEN_STORE(s, opts);
    auto c = s->create("/p/a", "a1");
    MK_REQUIRE_OK(c);
    r_first = c->revision;
    MK_REQUIRE_OK(s->update("/p/a", "a2", r_first));
    must_put(*s, "/p/b", std::string("b\0b", 3));
    must_put(*s, "/p/gone", "x");
    auto d = s->remove("/p/gone");
    MK_REQUIRE_OK(d);
    r_last = d->revision;
    REQUIRE(s->current_revision() == r_last);
  }
  {
    MK_OPEN_STORE(s, opts);
    CHECK(s->current_revision() == r_last);
    KeyValue a = must_get(*s, "/p/a");
    CHECK(a.value == "a2");
    CHECK(a.create_revision == r_first);
    CHECK(a.mod_revision == r_first + 1);
    CHECK(a.version == 2);
    CHECK(must_get(*s, "/p/b").value == std::string("b\0b", 3));
    CHECK(is_absent(*s, "/p/gone"));
    CHECK(must_get(*s, "/p/a", r_first).value == "a1");
    CHECK(must_get(*s, "/p/gone", r_last - 1).value == "x");

    auto n = s->count("/p/", prefix_end("/p/"));
    MK_REQUIRE_OK(n);
    CHECK(*n == 2);

    auto next = s->create("/p/c", "c");
    MK_REQUIRE_OK(next);
    CHECK(next->revision == r_last + 1);
    // The version keeps counting from where it was.
    auto u = s->update("/p/a", "a3", r_first + 1);
    MK_REQUIRE_OK(u);
    CHECK(must_get(*s, "/p/a").version == 3);
  }
}

TEST_CASE("right after reopen, a watch from a past revision replays the history", "[store]") {
  TempDir dir;
  const SqliteOptions opts = test_options(dir);
  std::vector<Revision> written;
  {
    MK_OPEN_STORE(s, opts);
    auto c = s->create("/wr/a", "1");
    MK_REQUIRE_OK(c);
    written.push_back(c->revision);
    auto u = s->update("/wr/a", "2", c->revision);
    MK_REQUIRE_OK(u);
    written.push_back(u->revision);
    written.push_back(must_put(*s, "/wr/b", "b"));
    auto d = s->remove("/wr/a");
    MK_REQUIRE_OK(d);
    written.push_back(d->revision);
  }
  MK_OPEN_STORE(s, opts);
  // No write yet in this process: the events exist only in the database.
  WatchRequest wr;
  wr.key = "/wr/";
  wr.end = prefix_end("/wr/");
  wr.from_revision = written.front();
  auto w = s->watch(wr);
  MK_REQUIRE_OK(w);
  auto ev = take_events(*w.value(), written.size(), std::chrono::seconds(5));
  std::vector<Revision> got;
  for (const auto& e : ev) got.push_back(e.kv.mod_revision);
  CHECK(got == written);
  if (ev.size() == written.size()) {
    REQUIRE(ev[1].prev.has_value());
    CHECK(ev[1].prev->value == "1");
    CHECK(ev[3].type == Event::Type::del);
  }
  // And it continues live.
  const Revision live = must_put(*s, "/wr/c", "c");
  auto more = take_events(*w.value(), 1);
  REQUIRE(more.size() == 1);
  CHECK(more[0].kv.mod_revision == live);
}

TEST_CASE("the revision never goes backward across reopen, even when the newest write was "
          "a delete removed by compaction",
          "[store]") {
  TempDir dir;
  const SqliteOptions opts = test_options(dir);
  Revision last = 0;
  Revision compacted_at = 0;
  {
    MK_OPEN_STORE(s, opts);
    must_put(*s, "/keep", "k");
    must_put(*s, "/x", "1");
    must_put(*s, "/x", "2");
    auto d = s->remove("/x");
    MK_REQUIRE_OK(d);
    last = d->revision;
    MK_REQUIRE_OK(s->compact(last));
    compacted_at = last;
    CHECK(s->stats().compact_revision == compacted_at);
  }
  {
    MK_OPEN_STORE(s, opts);
    CHECK(s->current_revision() >= last);
    CHECK(s->stats().compact_revision == compacted_at);
    MK_REQUIRE_ERRC(s->get("/keep", compacted_at - 1), Errc::compacted);
    auto c = s->create("/x", "again");
    MK_REQUIRE_OK(c);
    CHECK(c->revision > last);
    KeyValue x = must_get(*s, "/x");
    CHECK(x.version == 1);
    CHECK(x.create_revision == c->revision);
    last = c->revision;
  }
  {
    MK_OPEN_STORE(s, opts);
    CHECK(s->current_revision() >= last);
    CHECK(must_get(*s, "/x").value == "again");
  }
}

TEST_CASE("a file of random bytes gives Errc::corrupt naming the path, and is left alone",
          "[store]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  std::string junk(64 * 1024, '\0');
  std::mt19937 rng(12345);
  for (auto& ch : junk) ch = static_cast<char>(rng() & 0xff);
  {
    std::ofstream out(opts.path, std::ios::binary);
    out.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }

  auto r = open_sqlite(opts);
  REQUIRE_FALSE(r.has_value());
  INFO(error_text(r.error()));
  CHECK(r.error().code == Errc::corrupt);
  CHECK(r.error().message.find(opts.path) != std::string::npos);
  CHECK(read_file(opts.path) == junk);
}

TEST_CASE("a directory where the database file should be gives a clear error", "[store]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  REQUIRE(::mkdir(opts.path.c_str(), 0755) == 0);
  auto r = open_sqlite(opts);
  REQUIRE_FALSE(r.has_value());
  INFO(error_text(r.error()));
  CHECK(one_of(r.error().code, {Errc::corrupt, Errc::io}));
  CHECK(r.error().message.find(opts.path) != std::string::npos);
}

TEST_CASE("a path under a directory that cannot be created gives a clear error", "[store]") {
  // /proc refuses new directories even to root, so this holds on every machine.
  const std::string parent = "/proc/mk-store-test-no-such-dir";
  SqliteOptions opts;
  opts.path = parent + "/db/state.db";
  opts.compact_interval_ms = 0;
  auto r = open_sqlite(opts);
  REQUIRE_FALSE(r.has_value());
  INFO(error_text(r.error()));
  CHECK(one_of(r.error().code, {Errc::io, Errc::corrupt, Errc::not_found, Errc::permission_denied}));
  CHECK(r.error().message.find(parent) != std::string::npos);
}

TEST_CASE("damaged pages in a real database give Errc::corrupt, never wrong answers", "[store]") {
  TempDir dir;
  const SqliteOptions opts = test_options(dir);
  {
    MK_OPEN_STORE(s, opts);
    for (int i = 0; i < 200; ++i) must_put(*s, "/dmg/" + std::to_string(1000 + i), std::string(2000, 'v'));
  }
  // Keep the first two pages (header and schema), scramble the rest.
  const int64_t size = file_size_or_zero(opts.path);
  REQUIRE(size > 64 * 1024);
  {
    std::fstream f(opts.path, std::ios::in | std::ios::out | std::ios::binary);
    std::mt19937 rng(777);
    std::string junk(static_cast<size_t>(size - 8192), '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng() & 0xff);
    f.seekp(8192);
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }

  auto opened = open_sqlite(opts);
  if (!opened) {
    INFO(error_text(opened.error()));
    CHECK(opened.error().code == Errc::corrupt);
    CHECK(opened.error().message.find(opts.path) != std::string::npos);
    return;
  }
  RangeRequest req;
  req.key = "/dmg/";
  req.end = prefix_end("/dmg/");
  auto r = opened.value()->range(req);
  REQUIRE_FALSE(r.has_value());
  INFO(error_text(r.error()));
  CHECK(r.error().code == Errc::corrupt);
}
