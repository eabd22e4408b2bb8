// Compaction: what it removes, what it keeps, automatic compaction, and the database staying
// bounded under churn.

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store_test_util.h"

using namespace mk::store;
using namespace mk::store::test;
using mk::Errc;
using namespace std::chrono_literals;

namespace {

// A watch below the compacted revision fails either when opened or as an immediate cancellation.
void require_watch_compacted(Store& s, const std::string& prefix, Revision from) {
  WatchRequest req;
  req.key = prefix;
  req.end = prefix_end(prefix);
  req.from_revision = from;
  auto w = s.watch(req);
  if (!w) {
    INFO(error_text(w.error()));
    CHECK(w.error().code == Errc::compacted);
    return;
  }
  REQUIRE(poll_until([&] { return w.value()->cancelled().has_value(); }, 5s));
  INFO(error_text(*w.value()->cancelled()));
  CHECK(w.value()->cancelled()->code == Errc::compacted);
}

}  // namespace

TEST_CASE("compact(R): reads and watches below R give compacted, everything from R on is intact",
          "[store][compaction]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  const Revision r_keep = must_put(*s, "/c/keep", "early");
  Revision r_a = 0;
  for (int i = 1; i <= 5; ++i) r_a = must_put(*s, "/c/a", "v" + std::to_string(i));
  must_put(*s, "/c/b", "b");
  MK_REQUIRE_OK(s->remove("/c/b"));
  const Revision R = s->current_revision();
  const Revision r_after = must_put(*s, "/c/a", "v6");
  must_put(*s, "/c/late", "late");

  MK_REQUIRE_OK(s->compact(R));
  CHECK(s->stats().compact_revision == R);

  MK_REQUIRE_ERRC(s->get("/c/a", R - 1), Errc::compacted);
  MK_REQUIRE_ERRC(s->get("/c/keep", r_keep), Errc::compacted);
  RangeRequest req;
  req.key = "/c/";
  req.end = prefix_end("/c/");
  req.revision = R - 1;
  MK_REQUIRE_ERRC(s->range(req), Errc::compacted);
  require_watch_compacted(*s, "/c/", R - 1);

  // At R itself the state is still readable: the compacted revision is the oldest kept.
  req.revision = R;
  auto at_r = s->range(req);
  MK_REQUIRE_OK(at_r);
  REQUIRE(at_r->kvs.size() == 2);
  CHECK(at_r->kvs[0].key == "/c/a");
  CHECK(at_r->kvs[0].value == "v5");
  CHECK(at_r->kvs[0].mod_revision == r_a);
  CHECK(at_r->kvs[1].key == "/c/keep");
  CHECK(must_get(*s, "/c/a", r_after).value == "v6");

  // Latest data keeps its metadata; versions keep counting.
  KeyValue keep = must_get(*s, "/c/keep");
  CHECK(keep.value == "early");
  CHECK(keep.mod_revision == r_keep);
  CHECK(keep.create_revision == r_keep);
  KeyValue a = must_get(*s, "/c/a");
  CHECK(a.value == "v6");
  CHECK(a.version == 6);
  CHECK(is_absent(*s, "/c/b"));
  must_put(*s, "/c/a", "v7");
  CHECK(must_get(*s, "/c/a").version == 7);
  auto n = s->count("/c/", prefix_end("/c/"));
  MK_REQUIRE_OK(n);
  CHECK(*n == 3);

  // A watch from after R replays what is left.
  WatchRequest wr;
  wr.key = "/c/";
  wr.end = prefix_end("/c/");
  wr.from_revision = R + 1;
  auto w = s->watch(wr);
  MK_REQUIRE_OK(w);
  auto ev = take_events(*w.value(), 3);
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].kv.mod_revision == r_after);
  REQUIRE(ev[0].prev.has_value());
  CHECK(ev[0].prev->value == "v5");

  // Compacting backwards or into the future is refused.
  MK_REQUIRE_ERRC(s->compact(R - 1), Errc::compacted);
  MK_REQUIRE_ERRC(s->compact(s->current_revision() + 10), Errc::future_revision);
  CHECK(s->stats().compact_revision == R);
}

TEST_CASE("automatic compaction runs on its own and keeps compact_min_retain revisions",
          "[store][compaction]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  opts.compact_min_retain = 20;
  opts.compact_min_age_seconds = 0;
  opts.compact_interval_ms = 100;
  opts.durability = Durability::normal;
  MK_OPEN_STORE(s, opts);

  for (int i = 0; i < 200; ++i) must_put(*s, "/auto/k" + std::to_string(i % 10), std::to_string(i));
  const Revision top = s->current_revision();

  REQUIRE(poll_until([&] { return s->stats().compact_revision > 0; }, 15s));
  const StoreStats st = s->stats();
  INFO("compact_revision " << st.compact_revision << " revision " << st.revision);
  CHECK(st.revision == top);
  CHECK(st.compact_revision <= top - opts.compact_min_retain + 1);
  MK_REQUIRE_ERRC(s->get("/auto/k0", st.compact_revision - 1), Errc::compacted);
  CHECK(must_get(*s, "/auto/k0", top - opts.compact_min_retain + 1).key == "/auto/k0");
  for (int k = 0; k < 10; ++k) {
    CHECK(must_get(*s, "/auto/k" + std::to_string(k)).value == std::to_string(190 + k));
  }
}

TEST_CASE("automatic compaction leaves revisions younger than compact_min_age_seconds",
          "[store][compaction]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  opts.compact_min_retain = 1;
  opts.compact_min_age_seconds = 3600;
  opts.compact_interval_ms = 50;
  opts.durability = Durability::normal;
  MK_OPEN_STORE(s, opts);
  const Revision first = must_put(*s, "/young/k", "first");
  for (int i = 0; i < 50; ++i) must_put(*s, "/young/k", std::to_string(i));

  // Twenty compaction intervals: none may compact what was written a moment ago.
  const bool compacted = poll_until([&] { return s->stats().compact_revision > 0; }, 1000ms);
  CHECK_FALSE(compacted);
  CHECK(must_get(*s, "/young/k", first).value == "first");
}

TEST_CASE("the database stays bounded under churn with compaction", "[store][compaction]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  opts.durability = Durability::normal;
  MK_OPEN_STORE(s, opts);

  constexpr int kKeys = 100;
  constexpr int kThreads = 4;
  constexpr int kRounds = 40;
  constexpr int kUpdatesPerRound = 5;  // 200 updates per key in all
  constexpr size_t kValueSize = 2048;
  auto value_for = [&](int key, int n) {
    std::string v(kValueSize, '\0');
    uint32_t x = static_cast<uint32_t>(key * 2654435761u + n * 40503u + 1);
    for (auto& ch : v) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      ch = static_cast<char>(x & 0xff);
    }
    return v;
  };
  auto key_of = [](int k) { return "/churn/k" + std::to_string(k); };

  int64_t size_half = 0;
  std::atomic<int> failures{0};
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t, round] {
        for (int u = 0; u < kUpdatesPerRound; ++u) {
          for (int k = t; k < kKeys; k += kThreads) {
            auto r = s->txn({}, {op_put(key_of(k), value_for(k, round * kUpdatesPerRound + u))},
                            {});
            if (!r || !r->succeeded) failures.fetch_add(1);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    REQUIRE(failures.load() == 0);
    MK_REQUIRE_OK(s->compact(s->current_revision()));
    if (round == kRounds / 2 - 1) size_half = s->stats().db_size_bytes;
  }

  const int64_t live_bytes = kKeys * static_cast<int64_t>(kValueSize + key_of(99).size());
  const StoreStats st = s->stats();
  const int64_t on_disk = file_size_or_zero(opts.path) + file_size_or_zero(opts.path + "-wal");
  INFO("live " << live_bytes << " bytes; db_size_bytes after half " << size_half << ", at end "
               << st.db_size_bytes << "; files on disk " << on_disk << "; "
               << kKeys * kRounds * kUpdatesPerRound << " writes of " << kValueSize << " bytes");
  CHECK(st.keys == kKeys);
  CHECK(st.db_size_bytes > 0);
  // The reported size is the files' size (database plus WAL), give or take a page or two.
  CHECK(st.db_size_bytes >= on_disk / 2);
  CHECK(st.db_size_bytes <= on_disk * 2);
  // Without reuse of compacted space the history alone would be 40 MB; 32 times the live data
  // leaves room for a WAL of SQLite's default checkpoint size beside the database.
  CHECK(st.db_size_bytes < 32 * live_bytes);
  CHECK(on_disk < 32 * live_bytes);
  // The second half of the churn did not grow the database much.
  CHECK(st.db_size_bytes <= size_half + size_half / 2 + (1 << 20));
  for (int k = 0; k < kKeys; k += 17) {
    CHECK(must_get(*s, key_of(k)).value == value_for(k, kRounds * kUpdatesPerRound - 1));
  }
}
