// Watches: every event in revision order with the previous value, replay from the past, ordering
// under concurrent writers, prefix isolation, slow consumers and resumption.

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store_test_util.h"

using namespace mk::store;
using namespace mk::store::test;
using mk::Errc;
using namespace std::chrono_literals;

namespace {

WatchRequest prefix_watch(const std::string& prefix, Revision from = 0, bool prev_kv = true) {
  WatchRequest w;
  w.key = prefix;
  w.end = prefix_end(prefix);
  w.from_revision = from;
  w.prev_kv = prev_kv;
  return w;
}

std::unique_ptr<Watcher> must_watch(Store& s, const WatchRequest& req) {
  auto w = s.watch(req);
  MK_REQUIRE_OK(w);
  REQUIRE(w.value() != nullptr);
  return std::move(w.value());
}

// What a writer was told: the write at `revision` did this to `key`.
struct Ack {
  Revision revision = 0;
  std::string key;
  Event::Type type = Event::Type::put;
  std::string value;
};

}  // namespace

TEST_CASE("a watch delivers every event in revision order with prev for updates and deletes",
          "[store][watch]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  must_put(*s, "/w/before", "not delivered: written before the watch");
  auto w = must_watch(*s, prefix_watch("/w/"));

  auto c = s->create("/w/a", "v1");
  MK_REQUIRE_OK(c);
  must_put(*s, "/wother", "outside the prefix");
  auto u = s->update("/w/a", "v2", c->revision);
  MK_REQUIRE_OK(u);
  const Revision rb = must_put(*s, "/w/b", "vb");
  auto d = s->remove("/w/a");
  MK_REQUIRE_OK(d);
  auto t = s->txn({}, {op_put("/w/c", "vc"), op_del("/w/b"), op_put("/v", "outside")}, {});
  MK_REQUIRE_OK(t);
  const Revision r_txn = t->revision - 2;  // the txn's first write

  auto ev = take_events(*w, 6);
  REQUIRE(ev.size() == 6);
  CHECK_FALSE(w->cancelled().has_value());
  for (size_t i = 1; i < ev.size(); ++i) CHECK(ev[i].kv.mod_revision > ev[i - 1].kv.mod_revision);

  CHECK(ev[0].type == Event::Type::put);
  CHECK(ev[0].kv.key == "/w/a");
  CHECK(ev[0].kv.value == "v1");
  CHECK(ev[0].kv.mod_revision == c->revision);
  CHECK(ev[0].kv.create_revision == c->revision);
  CHECK(ev[0].kv.version == 1);
  CHECK_FALSE(ev[0].prev.has_value());

  CHECK(ev[1].type == Event::Type::put);
  CHECK(ev[1].kv.value == "v2");
  CHECK(ev[1].kv.mod_revision == u->revision);
  CHECK(ev[1].kv.version == 2);
  REQUIRE(ev[1].prev.has_value());
  CHECK(ev[1].prev->value == "v1");
  CHECK(ev[1].prev->mod_revision == c->revision);

  CHECK(ev[2].kv.key == "/w/b");
  CHECK(ev[2].kv.mod_revision == rb);

  CHECK(ev[3].type == Event::Type::del);
  CHECK(ev[3].kv.key == "/w/a");
  CHECK(ev[3].kv.mod_revision == d->revision);
  REQUIRE(ev[3].prev.has_value());
  CHECK(ev[3].prev->value == "v2");
  CHECK(ev[3].prev->version == 2);

  CHECK(ev[4].type == Event::Type::put);
  CHECK(ev[4].kv.key == "/w/c");
  CHECK(ev[4].kv.mod_revision == r_txn);
  CHECK(ev[5].type == Event::Type::del);
  CHECK(ev[5].kv.key == "/w/b");
  CHECK(ev[5].kv.mod_revision == r_txn + 1);
  REQUIRE(ev[5].prev.has_value());
  CHECK(ev[5].prev->value == "vb");

  CHECK(w->last_revision() == r_txn + 1);
  CHECK(w->take().empty());
}

TEST_CASE("a watch from a past revision replays history, then continues live", "[store][watch]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto c = s->create("/h/a", "1");
  MK_REQUIRE_OK(c);
  auto u = s->update("/h/a", "2", c->revision);
  MK_REQUIRE_OK(u);
  auto d = s->remove("/h/a");
  MK_REQUIRE_OK(d);
  const Revision rb = must_put(*s, "/h/b", "b");

  SECTION("with previous values") {
    auto w = must_watch(*s, prefix_watch("/h/", u->revision));
    CHECK(w->last_revision() == u->revision - 1);
    auto ev = take_events(*w, 3);
    REQUIRE(ev.size() == 3);
    CHECK(ev[0].kv.mod_revision == u->revision);
    CHECK(ev[0].kv.value == "2");
    REQUIRE(ev[0].prev.has_value());
    CHECK(ev[0].prev->value == "1");
    CHECK(ev[1].type == Event::Type::del);
    CHECK(ev[1].kv.mod_revision == d->revision);
    REQUIRE(ev[1].prev.has_value());
    CHECK(ev[1].prev->value == "2");
    CHECK(ev[2].kv.key == "/h/b");
    CHECK(ev[2].kv.mod_revision == rb);
    CHECK(w->last_revision() == rb);

    const Revision live = must_put(*s, "/h/c", "c");
    auto more = take_events(*w, 1);
    REQUIRE(more.size() == 1);
    CHECK(more[0].kv.key == "/h/c");
    CHECK(more[0].kv.mod_revision == live);
  }

  SECTION("without previous values when prev_kv is off") {
    auto w = must_watch(*s, prefix_watch("/h/", c->revision, false));
    auto ev = take_events(*w, 4);
    REQUIRE(ev.size() == 4);
    CHECK(ev[0].kv.mod_revision == c->revision);
    for (const auto& e : ev) CHECK_FALSE(e.prev.has_value());
    CHECK(ev[2].type == Event::Type::del);
  }
}

TEST_CASE("a single-key watch and watches on other prefixes see only their keys",
          "[store][watch]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  WatchRequest single;
  single.key = "/iso/a";
  auto w_single = must_watch(*s, single);
  auto w_a = must_watch(*s, prefix_watch("/iso/a/"));
  auto w_b = must_watch(*s, prefix_watch("/iso/b/"));

  std::map<std::string, std::vector<Revision>> expected;  // watcher name -> revisions
  for (int i = 0; i < 5; ++i) {
    expected["single"].push_back(must_put(*s, "/iso/a", std::to_string(i)));
    expected["a"].push_back(must_put(*s, "/iso/a/" + std::to_string(i), "x"));
    must_put(*s, "/iso/a2", "neither");
    must_put(*s, "/iso/ab/" + std::to_string(i), "neither");
    expected["b"].push_back(must_put(*s, "/iso/b/" + std::to_string(i), "y"));
  }
  // A last write to every watched range, so a stray event would have been queued before it.
  expected["single"].push_back(must_put(*s, "/iso/a", "end"));
  expected["a"].push_back(must_put(*s, "/iso/a/end", "end"));
  expected["b"].push_back(must_put(*s, "/iso/b/end", "end"));

  auto revisions = [](const std::vector<Event>& ev) {
    std::vector<Revision> r;
    for (const auto& e : ev) r.push_back(e.kv.mod_revision);
    return r;
  };
  auto ev_single = take_events(*w_single, expected["single"].size());
  auto ev_a = take_events(*w_a, expected["a"].size());
  auto ev_b = take_events(*w_b, expected["b"].size());
  CHECK(revisions(ev_single) == expected["single"]);
  CHECK(revisions(ev_a) == expected["a"]);
  CHECK(revisions(ev_b) == expected["b"]);
  for (const auto& e : ev_single) CHECK(e.kv.key == "/iso/a");
  for (const auto& e : ev_a) CHECK(e.kv.key.rfind("/iso/a/", 0) == 0);
  for (const auto& e : ev_b) CHECK(e.kv.key.rfind("/iso/b/", 0) == 0);
  CHECK(w_single->take().empty());
  CHECK(w_a->take().empty());
  CHECK(w_b->take().empty());
}

TEST_CASE("notify is called and wait_for wakes when events are pending", "[store][watch]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto w = must_watch(*s, prefix_watch("/n/"));
  std::atomic<int> notified{0};
  w->set_notify([&] { notified.fetch_add(1); });

  CHECK_FALSE(w->wait_for(50));  // nothing pending yet
  const Revision r = must_put(*s, "/n/a", "1");
  CHECK(poll_until([&] { return notified.load() > 0; }, 5s));
  CHECK(w->wait_for(5000));
  auto ev = w->take();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kv.mod_revision == r);
  CHECK(w->last_revision() == r);

  // A waiting thread is woken by a write made after it started waiting.
  std::atomic<bool> woke{false};
  std::thread waiter([&] { woke = w->wait_for(10'000); });
  const Revision r2 = must_put(*s, "/n/b", "2");
  waiter.join();
  CHECK(woke.load());
  auto ev2 = w->take();
  REQUIRE(ev2.size() == 1);
  CHECK(ev2[0].kv.mod_revision == r2);
}

TEST_CASE("watch order under 8 concurrent writers: increasing revisions, no gaps, every "
          "acknowledged write",
          "[store][watch]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  const Revision start = s->current_revision();
  auto w_live = must_watch(*s, prefix_watch("/cw/"));

  constexpr int kWriters = 8;
  constexpr int kWrites = 80;
  std::vector<std::vector<Ack>> acks(kWriters);
  std::atomic<int> failures{0};
  std::unique_ptr<Watcher> w_late;  // opened mid-way from the first revision: replay joins live
  std::mutex late_mu;
  std::atomic<int> total{0};

  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      std::map<std::string, Revision> mod;  // this writer's keys: key -> mod_revision
      for (int i = 0; i < kWrites; ++i) {
        const std::string key = "/cw/t" + std::to_string(t) + "/k" + std::to_string(i % 7);
        const std::string value = "t" + std::to_string(t) + "-" + std::to_string(i);
        Ack ack{0, key, Event::Type::put, value};
        auto it = mod.find(key);
        if (it == mod.end()) {
          auto r = s->create(key, value);
          if (!r) { failures.fetch_add(1); continue; }
          ack.revision = r->revision;
        } else if (i % 5 == 4) {
          auto r = s->remove(key, it->second);
          if (!r) { failures.fetch_add(1); continue; }
          ack.revision = r->revision;
          ack.type = Event::Type::del;
          ack.value.clear();
        } else {
          auto r = s->update(key, value, it->second);
          if (!r) { failures.fetch_add(1); continue; }
          ack.revision = r->revision;
        }
        if (ack.type == Event::Type::del) {
          mod.erase(key);
        } else {
          mod[key] = ack.revision;
        }
        acks[t].push_back(ack);
        // Foreign writes interleaved: must not show up.
        if (i % 10 == 0) {
          if (!s->txn({}, {op_put("/cx/t" + std::to_string(t), value)}, {})) failures.fetch_add(1);
        }
        if (total.fetch_add(1) == kWriters * kWrites / 2) {
          auto late = s->watch(prefix_watch("/cw/", start + 1));
          std::lock_guard<std::mutex> lock(late_mu);
          if (late) {
            w_late = std::move(late.value());
          } else {
            failures.fetch_add(1);
          }
        }
      }
    });
  }
  for (auto& th : writers) th.join();
  REQUIRE(failures.load() == 0);
  REQUIRE(w_late != nullptr);

  std::map<Revision, Ack> by_revision;
  std::map<std::string, std::vector<Ack>> by_key;
  for (const auto& per_writer : acks) {
    for (const auto& a : per_writer) {
      CHECK(by_revision.emplace(a.revision, a).second);  // no revision handed out twice
      by_key[a.key].push_back(a);
    }
  }
  REQUIRE(by_revision.size() == static_cast<size_t>(kWriters * kWrites));

  auto check_stream = [&](Watcher& w, const char* name) {
    INFO("watcher " << name);
    auto ev = take_events(w, by_revision.size(), 30s);
    CHECK_FALSE(w.cancelled().has_value());
    REQUIRE(ev.size() == by_revision.size());
    auto expected = by_revision.begin();
    std::map<std::string, Revision> last_mod;
    for (size_t i = 0; i < ev.size(); ++i, ++expected) {
      const Event& e = ev[i];
      INFO("event " << i << " at " << e.kv.mod_revision << " key " << e.kv.key);
      REQUIRE(e.kv.mod_revision == expected->first);  // increasing, no gaps, nothing foreign
      CHECK(e.kv.key == expected->second.key);
      CHECK(e.type == expected->second.type);
      if (e.type == Event::Type::put) CHECK(e.kv.value == expected->second.value);
      auto prev_it = last_mod.find(e.kv.key);
      if (prev_it == last_mod.end()) {
        CHECK_FALSE(e.prev.has_value());
      } else {
        REQUIRE(e.prev.has_value());
        CHECK(e.prev->mod_revision == prev_it->second);
      }
      if (e.type == Event::Type::del) {
        last_mod.erase(e.kv.key);
      } else {
        last_mod[e.kv.key] = e.kv.mod_revision;
      }
    }
    CHECK(w.take().empty());
  };
  check_stream(*w_live, "opened before the writers");
  check_stream(*w_late, "opened mid-way from the first revision");
}

TEST_CASE("a slow watcher is cancelled without blocking writers or other watchers, and resumes "
          "without loss",
          "[store][watch]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  opts.watcher_buffer = 16;
  MK_OPEN_STORE(s, opts);

  auto slow = must_watch(*s, prefix_watch("/slow/"));
  auto fast = must_watch(*s, prefix_watch("/slow/"));
  std::vector<Revision> written;
  std::vector<Event> fast_events;
  std::vector<Event> slow_events;
  auto max_write = std::chrono::steady_clock::duration::zero();

  constexpr int kWrites = 200;
  for (int i = 0; i < kWrites; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    written.push_back(must_put(*s, "/slow/k" + std::to_string(i % 10), "v" + std::to_string(i)));
    max_write = std::max(max_write, std::chrono::steady_clock::now() - t0);
    // The fast watcher keeps up with every write before the next one.
    auto got = take_events(*fast, 1);
    fast_events.insert(fast_events.end(), got.begin(), got.end());
    REQUIRE(got.size() == 1);
    if (i == 4) {
      slow_events = take_events(*slow, 5);  // the slow one takes a little, then stops
      REQUIRE(slow_events.size() == 5);
    }
  }
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(max_write).count() < 5000);
  CHECK_FALSE(fast->cancelled().has_value());
  REQUIRE(fast_events.size() == written.size());
  for (size_t i = 0; i < written.size(); ++i) CHECK(fast_events[i].kv.mod_revision == written[i]);

  REQUIRE(poll_until([&] { return slow->cancelled().has_value(); }, 10s));
  const mk::Error reason = *slow->cancelled();
  INFO("cancel reason: " << error_text(reason));
  CHECK(reason.code == Errc::cancelled);
  CHECK_FALSE(reason.message.empty());

  // Whatever it still hands out is valid; then a new watch resumes right after it.
  for (auto batch = slow->take(); !batch.empty(); batch = slow->take()) {
    slow_events.insert(slow_events.end(), batch.begin(), batch.end());
  }
  CHECK(slow->last_revision() ==
        (slow_events.empty() ? written.front() - 1 : slow_events.back().kv.mod_revision));
  auto resumed = must_watch(*s, prefix_watch("/slow/", slow->last_revision() + 1));
  auto rest = take_events(*resumed, written.size() - slow_events.size());
  slow_events.insert(slow_events.end(), rest.begin(), rest.end());
  REQUIRE(slow_events.size() == written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    INFO("event " << i);
    CHECK(slow_events[i].kv.mod_revision == written[i]);
    CHECK(slow_events[i].kv.value == "v" + std::to_string(i));
  }
  CHECK_FALSE(resumed->cancelled().has_value());

  // The store still serves watches after dropping one.
  const Revision after = must_put(*s, "/slow/after", "x");
  auto ev = take_events(*fast, 1);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kv.mod_revision == after);
}

TEST_CASE("closing the store cancels its watchers, which may outlive it", "[store][watch]") {
  TempDir dir;
  MK_OPEN_STORE(s, test_options(dir));
  auto w = must_watch(*s, prefix_watch("/close/"));
  std::atomic<int> notified{0};
  w->set_notify([&] { notified.fetch_add(1); });
  const Revision r = must_put(*s, "/close/a", "1");
  REQUIRE(poll_until([&] { return notified.load() > 0; }, 5s));

  s.reset();
  REQUIRE(w->cancelled().has_value());
  INFO(error_text(*w->cancelled()));
  auto t0 = std::chrono::steady_clock::now();
  (void)w->wait_for(5000);  // returns at once: the watcher is cancelled
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  // An event queued before closing is still valid if handed out.
  auto ev = w->take();
  CHECK(ev.size() <= 1);
  if (!ev.empty()) CHECK(ev[0].kv.mod_revision == r);
}

TEST_CASE("a watch from further back than memory holds replays from the database while writes "
          "continue, without gaps or duplicates",
          "[store][watch]") {
  TempDir dir;
  SqliteOptions opts = test_options(dir);
  opts.durability = Durability::normal;
  MK_OPEN_STORE(s, opts);

  std::vector<Revision> expected;
  expected.push_back(must_put(*s, "/hp/first", "0"));
  // Enough other writes that the early events are no longer held in memory.
  constexpr int kFillerThreads = 4;
  constexpr int kFillerEach = 3000;
  std::atomic<int> failures{0};
  {
    std::vector<std::thread> filler;
    for (int t = 0; t < kFillerThreads; ++t) {
      filler.emplace_back([&, t] {
        for (int i = 0; i < kFillerEach; ++i) {
          auto r = s->txn({}, {op_put("/filler/t" + std::to_string(t), std::to_string(i))}, {});
          if (!r || !r->succeeded) failures.fetch_add(1);
        }
      });
    }
    for (int i = 1; i < 30; ++i) expected.push_back(must_put(*s, "/hp/k" + std::to_string(i % 5), std::to_string(i)));
    for (auto& th : filler) th.join();
  }
  REQUIRE(failures.load() == 0);

  // Writes go on while the watch is opened and replays.
  std::mutex mu;
  std::vector<Revision> live_acks;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop.load(); ++i) {
      auto r = s->txn({}, {op_put("/hp/live" + std::to_string(i % 3), std::to_string(i)),
                           op_put("/filler/x", "x")}, {});
      if (!r || !r->succeeded) {
        failures.fetch_add(1);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      live_acks.push_back(r->revision - 1);
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

  auto w = must_watch(*s, prefix_watch("/hp/", expected.front()));
  writer.join();
  REQUIRE(failures.load() == 0);
  expected.insert(expected.end(), live_acks.begin(), live_acks.end());
  REQUIRE(expected.size() == 230);

  auto ev = take_events(*w, expected.size(), 30s);
  CHECK_FALSE(w->cancelled().has_value());
  std::vector<Revision> got;
  for (const auto& e : ev) got.push_back(e.kv.mod_revision);
  CHECK(got == expected);
  CHECK(w->take().empty());
}
