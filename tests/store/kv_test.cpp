// Reads, writes, transactions and revisions of the key-value store (etcd v3 semantics).

#include <algorithm>
#include <atomic>
#include <barrier>
#include <string>
#include <thread>
#include <vector>

#include "store_test_util.h"

using namespace mk::store;
using namespace mk::store::test;
using mk::Errc;
using CT = Compare::Target;
using CO = Compare::Op;

TEST_CASE("prefix_end and next_key", "[store]") {
  CHECK(prefix_end("/registry/pods/") == "/registry/pods0");
  CHECK(prefix_end("a") == "b");
  CHECK(prefix_end(std::string("a\xff", 2)) == "b");

  RangeResult r;
  KeyValue kv;
  kv.key = "/x/last";
  r.kvs.push_back(kv);
  CHECK(r.next_key() == std::string("/x/last\0", 8));
}

TEST_CASE("a prefix of 0xff bytes has no end; its range still covers every key under it",
          "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  const std::string prefix("\xff\xff", 2);
  const Revision first = must_put(*s, "\xfe", "below");
  must_put(*s, prefix, "the prefix itself");
  must_put(*s, prefix + "/a", "a");
  must_put(*s, prefix + "\xff\xff\xff", "b");

  RangeRequest req;
  req.key = prefix;
  req.end = prefix_end(prefix);
  auto r = s->range(req);
  MK_REQUIRE_OK(r);
  CHECK(r->count == 3);
  REQUIRE(r->kvs.size() == 3);
  CHECK(r->kvs[0].key == prefix);
  CHECK(r->kvs[2].key == prefix + "\xff\xff\xff");

  WatchRequest wr;
  wr.key = prefix;
  wr.end = prefix_end(prefix);
  wr.from_revision = first;
  auto w = s->watch(wr);
  MK_REQUIRE_OK(w);
  auto ev = take_events(*w.value(), 3);
  REQUIRE(ev.size() == 3);
  CHECK(ev[1].kv.key == prefix + "/a");
}

TEST_CASE("every write takes the next global revision; keys carry create/mod revision and version",
          "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  const Revision r0 = s->current_revision();

  auto c = s->create("/k", "v1");
  MK_REQUIRE_OK(c);
  CHECK(c->revision == r0 + 1);
  CHECK_FALSE(c->prev.has_value());
  KeyValue kv = must_get(*s, "/k");
  CHECK(kv.key == "/k");
  CHECK(kv.value == "v1");
  CHECK(kv.create_revision == r0 + 1);
  CHECK(kv.mod_revision == r0 + 1);
  CHECK(kv.version == 1);
  CHECK(kv.lease == 0);

  auto u = s->update("/k", "v2", r0 + 1);
  MK_REQUIRE_OK(u);
  CHECK(u->revision == r0 + 2);
  REQUIRE(u->prev.has_value());
  CHECK(u->prev->value == "v1");
  CHECK(u->prev->mod_revision == r0 + 1);
  CHECK(u->prev->version == 1);
  kv = must_get(*s, "/k");
  CHECK(kv.value == "v2");
  CHECK(kv.create_revision == r0 + 1);
  CHECK(kv.mod_revision == r0 + 2);
  CHECK(kv.version == 2);

  auto u2 = s->update("/k", "v3", r0 + 2);
  MK_REQUIRE_OK(u2);
  CHECK(u2->revision == r0 + 3);
  CHECK(must_get(*s, "/k").version == 3);

  // Another key shares the one global revision but has its own version.
  auto other = s->create("/other", "o");
  MK_REQUIRE_OK(other);
  CHECK(other->revision == r0 + 4);
  CHECK(must_get(*s, "/other").version == 1);
  CHECK(must_get(*s, "/k").mod_revision == r0 + 3);

  auto d = s->remove("/k");
  MK_REQUIRE_OK(d);
  CHECK(d->revision == r0 + 5);
  REQUIRE(d->prev.has_value());
  CHECK(d->prev->value == "v3");
  CHECK(d->prev->version == 3);
  CHECK(is_absent(*s, "/k"));

  // Recreated after delete: a new life, version starts over.
  auto c2 = s->create("/k", "v4");
  MK_REQUIRE_OK(c2);
  CHECK(c2->revision == r0 + 6);
  kv = must_get(*s, "/k");
  CHECK(kv.create_revision == r0 + 6);
  CHECK(kv.mod_revision == r0 + 6);
  CHECK(kv.version == 1);

  // Failed writes and reads do not take a revision.
  MK_REQUIRE_ERRC(s->create("/k", "again"), Errc::already_exists);
  MK_REQUIRE_ERRC(s->update("/k", "stale", r0 + 1), Errc::conflict);
  MK_REQUIRE_ERRC(s->update("/absent", "x", r0 + 1), Errc::not_found);
  MK_REQUIRE_ERRC(s->remove("/absent"), Errc::not_found);
  auto failed_txn = s->txn({cmp("/k", CT::version, CO::equal, 99)}, {op_put("/k", "no")},
                           {op_get("/k")});
  MK_REQUIRE_OK(failed_txn);
  CHECK_FALSE(failed_txn->succeeded);
  CHECK(failed_txn->revision == r0 + 6);
  CHECK(s->current_revision() == r0 + 6);
  CHECK(s->stats().revision == r0 + 6);
  CHECK(must_get(*s, "/k").value == "v4");
}

TEST_CASE("get and range at a past revision see the data as it was", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));

  const Revision r_before = must_put(*s, "/hist/other", "x");
  auto c = s->create("/hist/a", "v1");
  MK_REQUIRE_OK(c);
  const Revision r1 = c->revision;
  auto u = s->update("/hist/a", "v2", r1);
  MK_REQUIRE_OK(u);
  const Revision r2 = u->revision;
  auto d = s->remove("/hist/a");
  MK_REQUIRE_OK(d);
  const Revision r3 = d->revision;
  auto c2 = s->create("/hist/a", "v3");
  MK_REQUIRE_OK(c2);
  const Revision r4 = c2->revision;

  CHECK(is_absent(*s, "/hist/a", r_before));
  KeyValue at1 = must_get(*s, "/hist/a", r1);
  CHECK(at1.value == "v1");
  CHECK(at1.version == 1);
  CHECK(at1.mod_revision == r1);
  KeyValue at2 = must_get(*s, "/hist/a", r2);
  CHECK(at2.value == "v2");
  CHECK(at2.version == 2);
  CHECK(at2.create_revision == r1);
  CHECK(at2.mod_revision == r2);
  CHECK(is_absent(*s, "/hist/a", r3));
  KeyValue at4 = must_get(*s, "/hist/a", r4);
  CHECK(at4.value == "v3");
  CHECK(at4.version == 1);
  CHECK(at4.create_revision == r4);

  RangeRequest req;
  req.key = "/hist/";
  req.end = prefix_end("/hist/");
  req.revision = r2;
  auto rr = s->range(req);
  MK_REQUIRE_OK(rr);
  CHECK(rr->revision == r2);
  CHECK(rr->count == 2);
  REQUIRE(rr->kvs.size() == 2);
  CHECK(rr->kvs[0].key == "/hist/a");
  CHECK(rr->kvs[0].value == "v2");
  CHECK(rr->kvs[1].key == "/hist/other");

  req.revision = r3;
  auto at3 = s->range(req);
  MK_REQUIRE_OK(at3);
  CHECK(at3->count == 1);

  auto n = s->count("/hist/", prefix_end("/hist/"));
  MK_REQUIRE_OK(n);
  CHECK(*n == 2);

  MK_REQUIRE_ERRC(s->get("/hist/a", s->current_revision() + 1), Errc::future_revision);
  req.revision = s->current_revision() + 5;
  MK_REQUIRE_ERRC(s->range(req), Errc::future_revision);
}

TEST_CASE("range over a prefix with limit, more, count, keys_only and count_only", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  for (const char* k : {"/reg/a/3", "/reg/a/1", "/reg/ab", "/reg/a", "/reg/b/1", "/reg/a/2"}) {
    must_put(*s, k, std::string("val-") + k);
  }
  const Revision now = s->current_revision();

  RangeRequest req;
  req.key = "/reg/a/";
  req.end = prefix_end("/reg/a/");

  SECTION("all keys of the prefix, sorted, and nothing outside it") {
    auto r = s->range(req);
    MK_REQUIRE_OK(r);
    CHECK(r->revision == now);
    CHECK(r->count == 3);
    CHECK_FALSE(r->more);
    REQUIRE(r->kvs.size() == 3);
    CHECK(r->kvs[0].key == "/reg/a/1");
    CHECK(r->kvs[1].key == "/reg/a/2");
    CHECK(r->kvs[2].key == "/reg/a/3");
    CHECK(r->kvs[0].value == "val-/reg/a/1");

    auto all = s->count("/reg/", prefix_end("/reg/"));
    MK_REQUIRE_OK(all);
    CHECK(*all == 6);
  }

  SECTION("limit cuts the answer; the next page continues from next_key at the same revision") {
    req.limit = 2;
    auto p1 = s->range(req);
    MK_REQUIRE_OK(p1);
    CHECK(p1->more);
    CHECK(p1->count == 3);
    REQUIRE(p1->kvs.size() == 2);
    CHECK(p1->kvs[1].key == "/reg/a/2");

    req.key = p1->next_key();
    req.revision = p1->revision;
    auto p2 = s->range(req);
    MK_REQUIRE_OK(p2);
    CHECK_FALSE(p2->more);
    CHECK(p2->count == 1);
    REQUIRE(p2->kvs.size() == 1);
    CHECK(p2->kvs[0].key == "/reg/a/3");
  }

  SECTION("a limit equal to the count leaves nothing more") {
    req.limit = 3;
    auto r = s->range(req);
    MK_REQUIRE_OK(r);
    CHECK(r->kvs.size() == 3);
    CHECK_FALSE(r->more);
  }

  SECTION("keys_only returns keys and metadata without values") {
    req.keys_only = true;
    auto r = s->range(req);
    MK_REQUIRE_OK(r);
    REQUIRE(r->kvs.size() == 3);
    for (const auto& kv : r->kvs) {
      CHECK(kv.value.empty());
      CHECK(kv.mod_revision > 0);
    }
    CHECK(r->kvs[2].key == "/reg/a/3");
  }

  SECTION("count_only returns the count and no keys") {
    req.count_only = true;
    auto r = s->range(req);
    MK_REQUIRE_OK(r);
    CHECK(r->kvs.empty());
    CHECK(r->count == 3);
  }

  SECTION("an empty end means the single key") {
    RangeRequest one;
    one.key = "/reg/a";
    auto r = s->range(one);
    MK_REQUIRE_OK(r);
    REQUIRE(r->kvs.size() == 1);
    CHECK(r->kvs[0].key == "/reg/a");
    CHECK(r->count == 1);

    one.key = "/reg/zzz";
    auto none = s->range(one);
    MK_REQUIRE_OK(none);
    CHECK(none->kvs.empty());
    CHECK(none->count == 0);
  }
}

TEST_CASE("range pages are one consistent snapshot while writes continue", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto key_of = [](int i) { return "/page/" + std::string(i < 10 ? "0" : "") + std::to_string(i); };
  for (int i = 0; i < 50; ++i) must_put(*s, key_of(i), "orig-" + std::to_string(i));

  // A background writer churns the same prefix from the first page on.
  std::atomic<bool> stop{false};
  std::atomic<bool> first_page_read{false};
  std::atomic<int> bg_writes{0};
  std::atomic<int> bg_errors{0};
  std::thread writer([&] {
    while (!first_page_read.load() && !stop.load()) std::this_thread::yield();
    for (int n = 0; !stop.load(); ++n) {
      auto r = s->txn({}, {op_put(key_of(n % 50), "churn-" + std::to_string(n)),
                           op_put("/page/" + std::to_string(n % 50) + "-new", "new")}, {});
      if (r && r->succeeded) {
        bg_writes.fetch_add(1);
      } else {
        bg_errors.fetch_add(1);
      }
    }
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{stop, writer};

  RangeRequest req;
  req.key = "/page/";
  req.end = prefix_end("/page/");
  req.limit = 7;
  std::vector<KeyValue> seen;
  Revision snapshot = 0;
  int pages = 0;
  while (true) {
    auto r = s->range(req);
    MK_REQUIRE_OK(r);
    if (pages == 0) {
      snapshot = r->revision;
      req.revision = snapshot;
      first_page_read = true;
    }
    CHECK(r->revision == snapshot);
    CHECK(r->count == static_cast<int64_t>(50 - seen.size()));
    seen.insert(seen.end(), r->kvs.begin(), r->kvs.end());
    ++pages;
    // Deterministic writes between pages as well: delete, update, create inside the range.
    must_put(*s, key_of(49 - pages), "between-" + std::to_string(pages));
    (void)s->remove(key_of(pages));
    must_put(*s, "/page/" + std::to_string(pages) + "-x", "created");
    // And at least one concurrent write from the background writer before the next page.
    const int bg_before = bg_writes.load();
    REQUIRE(poll_until([&] { return bg_writes.load() > bg_before || bg_errors.load() > 0; },
                       std::chrono::seconds(10)));
    if (!r->more) break;
    req.key = r->next_key();
    REQUIRE(pages < 20);
  }
  stop = true;
  writer.join();

  CHECK(pages == 8);
  REQUIRE(seen.size() == 50);
  for (int i = 0; i < 50; ++i) {
    CHECK(seen[i].key == key_of(i));
    CHECK(seen[i].value == "orig-" + std::to_string(i));
    CHECK(seen[i].mod_revision <= snapshot);
  }
  CHECK(bg_errors.load() == 0);
  CHECK(s->current_revision() > snapshot);
}

TEST_CASE("create fails on a live key with its current value and works again after delete",
          "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto c = s->create("/c", "first");
  MK_REQUIRE_OK(c);

  auto again = s->create("/c", "second");
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == Errc::already_exists);
  REQUIRE(again.current().has_value());
  CHECK(again.current()->value == "first");
  CHECK(again.current()->mod_revision == c->revision);
  CHECK(must_get(*s, "/c").value == "first");

  MK_REQUIRE_OK(s->remove("/c"));
  auto after = s->create("/c", "third");
  MK_REQUIRE_OK(after);
  CHECK(must_get(*s, "/c").value == "third");
}

TEST_CASE("update is a compare-and-swap on mod_revision", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto c = s->create("/u", "v1");
  MK_REQUIRE_OK(c);
  auto u = s->update("/u", "v2", c->revision);
  MK_REQUIRE_OK(u);

  SECTION("stale revision: conflict with the current value, nothing written") {
    auto stale = s->update("/u", "lost", c->revision);
    REQUIRE_FALSE(stale.has_value());
    CHECK(stale.error().code == Errc::conflict);
    REQUIRE(stale.current().has_value());
    CHECK(stale.current()->value == "v2");
    CHECK(stale.current()->mod_revision == u->revision);
    CHECK(stale.current()->version == 2);
    CHECK(must_get(*s, "/u").value == "v2");
    // The current value is enough to retry without another read.
    MK_REQUIRE_OK(s->update("/u", "v3", stale.current()->mod_revision));
    CHECK(must_get(*s, "/u").value == "v3");
  }

  SECTION("absent key: not_found without a current value") {
    auto absent = s->update("/nope", "x", u->revision);
    REQUIRE_FALSE(absent.has_value());
    CHECK(absent.error().code == Errc::not_found);
    CHECK_FALSE(absent.current().has_value());
    CHECK(is_absent(*s, "/nope"));
  }

  SECTION("absent key with expected revision 0: not_found, and nothing is created") {
    const Revision before = s->current_revision();
    MK_REQUIRE_ERRC(s->update("/never", "x", 0), Errc::not_found);
    CHECK(is_absent(*s, "/never"));
    CHECK(s->current_revision() == before);
  }

  SECTION("deleted key: not_found") {
    MK_REQUIRE_OK(s->remove("/u"));
    MK_REQUIRE_ERRC(s->update("/u", "x", u->revision), Errc::not_found);
  }
}

TEST_CASE("remove unconditionally and compared", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto a = s->create("/d/a", "va");
  MK_REQUIRE_OK(a);
  auto b = s->create("/d/b", "vb");
  MK_REQUIRE_OK(b);
  auto b2 = s->update("/d/b", "vb2", b->revision);
  MK_REQUIRE_OK(b2);

  auto ra = s->remove("/d/a");
  MK_REQUIRE_OK(ra);
  REQUIRE(ra->prev.has_value());
  CHECK(ra->prev->value == "va");
  CHECK(ra->revision == s->current_revision());
  CHECK(is_absent(*s, "/d/a"));
  MK_REQUIRE_ERRC(s->remove("/d/a"), Errc::not_found);

  auto stale = s->remove("/d/b", b->revision);
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().code == Errc::conflict);
  REQUIRE(stale.current().has_value());
  CHECK(stale.current()->value == "vb2");
  CHECK(must_get(*s, "/d/b").value == "vb2");

  auto ok = s->remove("/d/b", b2->revision);
  MK_REQUIRE_OK(ok);
  REQUIRE(ok->prev.has_value());
  CHECK(ok->prev->value == "vb2");
  CHECK(is_absent(*s, "/d/b"));
  MK_REQUIRE_ERRC(s->remove("/d/b", b2->revision), Errc::not_found);
}

TEST_CASE("txn compares choose the branch and run several ops", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto a = s->create("/t/a", "va");
  MK_REQUIRE_OK(a);
  auto b = s->create("/t/b", "vb");
  MK_REQUIRE_OK(b);
  const Revision base = s->current_revision();

  SECTION("all compares hold: success ops run, one revision per write, in order") {
    auto r = s->txn({cmp("/t/a", CT::mod_revision, CO::equal, a->revision),
                     cmp("/t/a", CT::version, CO::equal, 1),
                     cmp_value("/t/b", CO::equal, "vb"),
                     cmp("/t/b", CT::exists, CO::equal, 1),
                     cmp("/t/missing", CT::exists, CO::equal, 0),
                     cmp("/t/b", CT::create_revision, CO::greater, a->revision),
                     cmp("/t/a", CT::create_revision, CO::less, b->revision),
                     cmp_value("/t/a", CO::not_equal, "other")},
                    {op_put("/t/a", "va2"), op_del("/t/b"), op_get("/t/a"), op_put("/t/c", "vc")},
                    {op_put("/t/failure", "x")});
    MK_REQUIRE_OK(r);
    CHECK(r->succeeded);
    CHECK(r->revision == base + 3);
    REQUIRE(r->results.size() == 4);
    REQUIRE(r->results[0].has_value());
    CHECK(r->results[0]->value == "va");  // put: the previous value
    REQUIRE(r->results[1].has_value());
    CHECK(r->results[1]->value == "vb");  // del: the deleted value
    REQUIRE(r->results[2].has_value());
    CHECK(r->results[2]->value == "va2");  // get: sees the earlier op of the same txn
    CHECK_FALSE(r->results[3].has_value());  // put of a new key: no previous value

    KeyValue ka = must_get(*s, "/t/a");
    CHECK(ka.value == "va2");
    CHECK(ka.mod_revision == base + 1);
    CHECK(ka.version == 2);
    CHECK(is_absent(*s, "/t/b"));
    CHECK(must_get(*s, "/t/b", base + 1).value == "vb");  // deleted at base + 2
    CHECK(is_absent(*s, "/t/b", base + 2));
    KeyValue kc = must_get(*s, "/t/c");
    CHECK(kc.mod_revision == base + 3);
    CHECK(kc.create_revision == base + 3);
    CHECK(is_absent(*s, "/t/failure"));
  }

  SECTION("one failing compare runs the failure branch") {
    auto r = s->txn({cmp("/t/a", CT::mod_revision, CO::equal, a->revision),
                     cmp("/t/b", CT::version, CO::equal, 7)},
                    {op_put("/t/a", "nope")}, {op_get("/t/b"), op_get("/t/missing")});
    MK_REQUIRE_OK(r);
    CHECK_FALSE(r->succeeded);
    CHECK(r->revision == base);
    REQUIRE(r->results.size() == 2);
    REQUIRE(r->results[0].has_value());
    CHECK(r->results[0]->value == "vb");
    CHECK(r->results[0]->mod_revision == b->revision);
    CHECK_FALSE(r->results[1].has_value());
    CHECK(must_get(*s, "/t/a").value == "va");
  }

  SECTION("the failure branch may write too") {
    auto r = s->txn({cmp_value("/t/a", CO::equal, "not-va")}, {op_put("/t/a", "nope")},
                    {op_put("/t/fallback", "f"), op_del("/t/a")});
    MK_REQUIRE_OK(r);
    CHECK_FALSE(r->succeeded);
    CHECK(r->revision == base + 2);
    CHECK(must_get(*s, "/t/fallback").value == "f");
    CHECK(is_absent(*s, "/t/a"));
  }

  SECTION("create-if-absent as the API server does it: mod_revision == 0 on a missing key") {
    auto created = s->txn({cmp("/t/new", CT::mod_revision, CO::equal, 0)},
                          {op_put("/t/new", "n1")}, {op_get("/t/new")});
    MK_REQUIRE_OK(created);
    CHECK(created->succeeded);
    CHECK(created->revision == base + 1);
    auto again = s->txn({cmp("/t/new", CT::mod_revision, CO::equal, 0)},
                        {op_put("/t/new", "n2")}, {op_get("/t/new")});
    MK_REQUIRE_OK(again);
    CHECK_FALSE(again->succeeded);
    REQUIRE(again->results.size() == 1);
    REQUIRE(again->results[0].has_value());
    CHECK(again->results[0]->value == "n1");
    CHECK(must_get(*s, "/t/new").value == "n1");
  }

  SECTION("a txn without compares succeeds") {
    auto r = s->txn({}, {op_get("/t/a")}, {});
    MK_REQUIRE_OK(r);
    CHECK(r->succeeded);
    CHECK(r->revision == base);
    REQUIRE(r->results.size() == 1);
    REQUIRE(r->results[0].has_value());
    CHECK(r->results[0]->value == "va");
  }
}

TEST_CASE("keys and values are arbitrary bytes in bytewise order", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));

  SECTION("binary values round-trip, including NUL bytes and a 1 MiB value") {
    std::string bin("\0\x01\x7f\x80\xfe\xff\0end", 10);
    must_put(*s, "/bin/v", bin);
    CHECK(must_get(*s, "/bin/v").value == bin);

    std::string big(1 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) & 0xff);
    must_put(*s, "/bin/big", big);
    CHECK(must_get(*s, "/bin/big").value == big);
  }

  SECTION("range order is bytewise and paging by next_key skips nothing") {
    const std::vector<std::string> sorted = {
        "/o/B", "/o/a", std::string("/o/a\0b", 6), std::string("/o/a\x01", 5), "/o/a\x7f",
        "/o/\x80", "/o/\xc3\xa9", "/o/\xff"};
    for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) must_put(*s, *it, "v");

    RangeRequest req;
    req.key = "/o/";
    req.end = prefix_end("/o/");
    auto all = s->range(req);
    MK_REQUIRE_OK(all);
    REQUIRE(all->kvs.size() == sorted.size());
    for (size_t i = 0; i < sorted.size(); ++i) CHECK(all->kvs[i].key == sorted[i]);

    req.limit = 1;
    std::vector<std::string> paged;
    for (int guard = 0; guard < 20; ++guard) {
      auto p = s->range(req);
      MK_REQUIRE_OK(p);
      for (const auto& kv : p->kvs) paged.push_back(kv.key);
      if (!p->more) break;
      req.key = p->next_key();
      req.revision = p->revision;
    }
    CHECK(paged == sorted);
  }
}

TEST_CASE("bad input is rejected with invalid_argument", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  must_put(*s, "/a", "1");
  must_put(*s, "/b", "2");
  const Revision before = s->current_revision();

  MK_REQUIRE_ERRC(s->create("", "v"), Errc::invalid_argument);
  MK_REQUIRE_ERRC(s->update("", "v", 1), Errc::invalid_argument);
  MK_REQUIRE_ERRC(s->remove(""), Errc::invalid_argument);
  MK_REQUIRE_ERRC(s->get(""), Errc::invalid_argument);
  MK_REQUIRE_ERRC(s->txn({}, {op_put("", "v")}, {}), Errc::invalid_argument);
  CHECK(s->current_revision() == before);

  // end < key: either an empty answer or invalid_argument, never the keys in between.
  RangeRequest backwards;
  backwards.key = "/b";
  backwards.end = "/a";
  auto r = s->range(backwards);
  if (r) {
    CHECK(r->kvs.empty());
    CHECK(r->count == 0);
  } else {
    INFO(error_text(r.error()));
    CHECK(r.error().code == Errc::invalid_argument);
  }
}

TEST_CASE("concurrent compare-and-swap from one read: exactly one winner per round", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto c = s->create("/race", "start");
  MK_REQUIRE_OK(c);

  constexpr int kThreads = 8;
  constexpr int kRounds = 30;
  struct Outcome {
    bool won = false;
    Revision revision = 0;
    mk::Errc code = mk::Errc::internal;
    std::optional<KeyValue> current;
  };
  std::vector<std::vector<Outcome>> outcomes(kRounds, std::vector<Outcome>(kThreads));
  std::vector<Revision> read_revision(kRounds);
  Revision shared_rev = c->revision;
  std::barrier sync(kThreads + 1);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        sync.arrive_and_wait();  // shared_rev is set
        auto r = s->update("/race", "t" + std::to_string(t) + "-r" + std::to_string(round),
                           shared_rev);
        Outcome& o = outcomes[round][t];
        o.won = r.has_value();
        if (r) {
          o.revision = r->revision;
        } else {
          o.code = r.error().code;
          o.current = r.current();
        }
        sync.arrive_and_wait();  // round done
      }
    });
  }
  for (int round = 0; round < kRounds; ++round) {
    auto cur = s->get("/race");
    read_revision[round] = (cur && *cur) ? (**cur).mod_revision : -1;
    shared_rev = read_revision[round];
    sync.arrive_and_wait();
    sync.arrive_and_wait();
  }
  for (auto& th : threads) th.join();

  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round << " read at " << read_revision[round]);
    int winners = 0;
    int winner = -1;
    for (int t = 0; t < kThreads; ++t) {
      if (outcomes[round][t].won) {
        ++winners;
        winner = t;
      }
    }
    REQUIRE(winners == 1);
    const std::string winning_value = "t" + std::to_string(winner) + "-r" + std::to_string(round);
    for (int t = 0; t < kThreads; ++t) {
      const Outcome& o = outcomes[round][t];
      if (o.won) continue;
      INFO("loser " << t);
      CHECK(o.code == Errc::conflict);
      REQUIRE(o.current.has_value());
      CHECK(o.current->value == winning_value);
      CHECK(o.current->mod_revision == outcomes[round][winner].revision);
    }
  }
  KeyValue last = must_get(*s, "/race");
  CHECK(last.version == 1 + kRounds);
}

TEST_CASE("a counter incremented with CAS-retry loops by 8 threads ends exact", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  MK_REQUIRE_OK(s->create("/counter", "0"));

  constexpr int kThreads = 8;
  constexpr int kIncrements = 40;
  std::atomic<int> unexpected{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto cur = s->get("/counter");
      if (!cur || !*cur) {
        unexpected.fetch_add(1);
        return;
      }
      KeyValue kv = **cur;
      for (int i = 0; i < kIncrements;) {
        auto r = s->update("/counter", std::to_string(std::stoll(kv.value) + 1), kv.mod_revision);
        if (r) {
          ++i;
          kv.value = std::to_string(std::stoll(kv.value) + 1);
          kv.mod_revision = r->revision;
        } else if (r.error().code == Errc::conflict && r.current()) {
          conflicts.fetch_add(1);
          kv = *r.current();
        } else {
          unexpected.fetch_add(1);
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(unexpected.load() == 0);
  KeyValue final_kv = must_get(*s, "/counter");
  CHECK(final_kv.value == std::to_string(kThreads * kIncrements));
  CHECK(final_kv.version == 1 + kThreads * kIncrements);
  INFO("conflicts retried: " << conflicts.load());
}

TEST_CASE("concurrent create of one key: exactly one succeeds", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  constexpr int kThreads = 8;
  std::vector<int> won(kThreads, 0);
  std::vector<std::string> seen_current(kThreads);
  std::vector<mk::Errc> codes(kThreads, mk::Errc::internal);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      auto r = s->create("/once", "by-" + std::to_string(t));
      if (r) {
        won[t] = 1;
      } else {
        codes[t] = r.error().code;
        if (r.current()) seen_current[t] = r.current()->value;
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(std::count(won.begin(), won.end(), 1) == 1);
  const int winner = static_cast<int>(std::find(won.begin(), won.end(), 1) - won.begin());
  for (int t = 0; t < kThreads; ++t) {
    if (t == winner) continue;
    CHECK(codes[t] == Errc::already_exists);
    CHECK(seen_current[t] == "by-" + std::to_string(winner));
  }
  CHECK(must_get(*s, "/once").value == "by-" + std::to_string(winner));
}

TEST_CASE("stats count live keys and watchers", "[store]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  const int64_t keys0 = s->stats().keys;
  must_put(*s, "/s/a", "1");
  must_put(*s, "/s/b", "2");
  must_put(*s, "/s/b", "3");
  MK_REQUIRE_OK(s->remove("/s/a"));
  StoreStats st = s->stats();
  CHECK(st.keys == keys0 + 1);
  CHECK(st.revision == s->current_revision());
  CHECK(st.db_size_bytes > 0);

  const int64_t watchers0 = st.watchers;
  WatchRequest wr;
  wr.key = "/s/";
  wr.end = prefix_end("/s/");
  auto w1 = s->watch(wr);
  MK_REQUIRE_OK(w1);
  auto w2 = s->watch(wr);
  MK_REQUIRE_OK(w2);
  CHECK(s->stats().watchers == watchers0 + 2);
  w1.value().reset();
  CHECK(poll_until([&] { return s->stats().watchers == watchers0 + 1; }, std::chrono::seconds(5)));
}
