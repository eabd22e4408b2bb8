// Leases: keys put with a lease go away when it expires (also across a restart) or is revoked.

#include <sys/resource.h>

#include <chrono>
#include <string>
#include <thread>

#include "store_test_util.h"

using namespace mk::store;
using namespace mk::store::test;
using mk::Errc;
using namespace std::chrono_literals;

namespace {

int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

int64_t cpu_ms() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

}  // namespace

TEST_CASE("keys put with a lease are deleted when it expires, and watchers see the deletes",
          "[store][lease]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  WatchRequest wr;
  wr.key = "/l/";
  wr.end = prefix_end("/l/");
  auto w = s->watch(wr);
  MK_REQUIRE_OK(w);

  const auto t0 = std::chrono::steady_clock::now();
  auto lease = s->grant_lease(2);
  MK_REQUIRE_OK(lease);
  CHECK(*lease != 0);
  auto other_lease = s->grant_lease(2);
  MK_REQUIRE_OK(other_lease);
  CHECK(*other_lease != *lease);

  auto a = s->create("/l/a", "va", *lease);
  MK_REQUIRE_OK(a);
  must_put(*s, "/l/b", "vb", *lease);
  auto c = s->create("/l/c", "vc", *lease);
  MK_REQUIRE_OK(c);
  MK_REQUIRE_OK(s->update("/l/c", "vc2", c->revision, 0));  // a put without the lease detaches it
  must_put(*s, "/l/d", "vd");
  CHECK(must_get(*s, "/l/a").lease == *lease);
  CHECK(must_get(*s, "/l/c").lease == 0);
  const size_t writes = 5;

  REQUIRE(poll_until([&] { return is_absent(*s, "/l/a") && is_absent(*s, "/l/b"); }, 10s));
  const int64_t elapsed = ms_since(t0);
  CHECK(elapsed >= 1900);  // not before its TTL
  CHECK(must_get(*s, "/l/c").value == "vc2");
  CHECK(must_get(*s, "/l/d").value == "vd");

  auto ev = take_events(*w.value(), writes + 2);
  REQUIRE(ev.size() == writes + 2);
  int deletes = 0;
  for (size_t i = writes; i < ev.size(); ++i) {
    CHECK(ev[i].type == Event::Type::del);
    REQUIRE(ev[i].prev.has_value());
    if (ev[i].kv.key == "/l/a") {
      ++deletes;
      CHECK(ev[i].prev->value == "va");
    } else if (ev[i].kv.key == "/l/b") {
      ++deletes;
      CHECK(ev[i].prev->value == "vb");
    }
  }
  CHECK(deletes == 2);
  CHECK(ev[writes + 1].kv.mod_revision > ev[writes].kv.mod_revision);
  // The lease is gone with its keys.
  MK_REQUIRE_ERRC(s->revoke_lease(*lease), Errc::not_found);
}

TEST_CASE("revoking a lease deletes its keys at once", "[store][lease]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto lease = s->grant_lease(600);
  MK_REQUIRE_OK(lease);
  must_put(*s, "/r/a", "va", *lease);
  MK_REQUIRE_OK(s->create("/r/b", "vb", *lease));
  must_put(*s, "/r/keep", "k");
  const Revision before = s->current_revision();

  WatchRequest wr;
  wr.key = "/r/";
  wr.end = prefix_end("/r/");
  auto w = s->watch(wr);
  MK_REQUIRE_OK(w);

  MK_REQUIRE_OK(s->revoke_lease(*lease));
  CHECK(is_absent(*s, "/r/a"));
  CHECK(is_absent(*s, "/r/b"));
  CHECK(must_get(*s, "/r/keep").value == "k");
  CHECK(s->current_revision() > before);

  auto ev = take_events(*w.value(), 2);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].type == Event::Type::del);
  CHECK(ev[1].type == Event::Type::del);
  CHECK(ev[0].kv.mod_revision > before);
  CHECK(ev[1].kv.mod_revision > ev[0].kv.mod_revision);

  MK_REQUIRE_ERRC(s->revoke_lease(*lease), Errc::not_found);
  // A revoked or unknown lease cannot be attached.
  auto with_revoked = s->create("/r/late", "x", *lease);
  REQUIRE_FALSE(with_revoked.has_value());
  INFO(error_text(with_revoked.error()));
  CHECK((with_revoked.error().code == Errc::not_found ||
         with_revoked.error().code == Errc::invalid_argument));
  auto with_unknown = s->txn({}, {op_put("/r/late", "x", 987654321)}, {});
  CHECK_FALSE(with_unknown.has_value());
  CHECK(is_absent(*s, "/r/late"));
}

TEST_CASE("lease expiry survives a restart without re-granting", "[store][lease]") {
  TempDir dir;
  const SqliteOptions opts = test_options(dir);
  const auto t0 = std::chrono::steady_clock::now();
  Revision closed_at = 0;
  {
    MK_OPEN_STORE(s, opts);
    auto lease = s->grant_lease(2);
    MK_REQUIRE_OK(lease);
    must_put(*s, "/rs/leased", "v", *lease);
    must_put(*s, "/rs/plain", "p");
    closed_at = s->current_revision();
  }
  MK_OPEN_STORE(s, opts);
  CHECK(s->current_revision() == closed_at);
  REQUIRE(poll_until([&] { return is_absent(*s, "/rs/leased"); }, 12s));
  CHECK(ms_since(t0) >= 1900);
  CHECK(s->current_revision() > closed_at);  // deleted by a real write, visible to watchers
  CHECK(must_get(*s, "/rs/leased", closed_at).value == "v");
  CHECK(must_get(*s, "/rs/plain").value == "p");
}

TEST_CASE("an idle store waiting for a lease deadline does not spin", "[store][lease]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  SECTION("automatic compaction disabled") { opts.compact_interval_ms = 0; }
  SECTION("automatic compaction every 30 s") { opts.compact_interval_ms = 30'000; }
  MK_OPEN_STORE(s, opts);
  auto lease = s->grant_lease(600);
  MK_REQUIRE_OK(lease);
  must_put(*s, "/idle/k", "v", *lease);

  // A measurement window, not a wait for readiness: nothing should happen during it.
  const int64_t cpu0 = cpu_ms();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1s);
  const int64_t used = cpu_ms() - cpu0;
  INFO("CPU used while idle: " << used << " ms in " << ms_since(t0) << " ms");
  CHECK(used < 100);  // a thread spinning would use most of the window
  CHECK(must_get(*s, "/idle/k").value == "v");
}
