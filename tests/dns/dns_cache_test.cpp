// Replies from upstream kept for reuse (forward_cache.h): TTLs capped at 30 s and lowered by
// age, negative answers by their SOA, nothing for SERVFAIL or truncated replies.

#include <catch2/catch.hpp>

#include "agent/dns/forward_cache.h"

using namespace mk::agent::dns;
using namespace std::chrono_literals;

namespace {

Message query(const std::string& name, uint16_t id = 1, bool dnssec_ok = false) {
  Message q;
  q.header.id = id;
  q.header.rd = true;
  q.questions.push_back({name, kA, kClassIN});
  Edns e;
  e.udp_size = 1232;
  e.dnssec_ok = dnssec_ok;
  q.edns = e;
  return q;
}

std::string reply(const Message& q, uint16_t rcode, uint32_t ttl, int records = 1) {
  Message r;
  r.header = q.header;
  r.header.qr = r.header.ra = true;
  r.header.rcode = rcode;
  r.questions = q.questions;
  if (rcode == kNoError && records > 0) {
    for (int i = 0; i < records; ++i)
      r.answers.push_back(a_record(q.questions[0].name, ttl, std::string{char(192), 0, 2, char(i)}));
  } else {
    r.authority.push_back(soa_record("example.org", ttl, Soa{"ns.example.org", "h.example.org", 1, 2, 3, 4, 60}));
  }
  r.edns = q.edns;
  return encode(r);
}

}  // namespace

TEST_CASE("a positive reply is served for at most 30 s, TTLs lowered by its age") {
  ForwardCache cache;
  auto t0 = ForwardCache::Clock::now();
  Message q = query("www.example.org");
  cache.put(q, reply(q, kNoError, 300), t0);
  auto hit = cache.get(query("WWW.Example.ORG", 77), 1232, t0 + 10s);
  REQUIRE(hit);
  auto m = parse(*hit);
  REQUIRE(m);
  CHECK(m->header.id == 77);
  CHECK(m->questions.at(0).name == "WWW.Example.ORG");  // the asker's case
  REQUIRE(m->answers.size() == 1);
  CHECK(m->answers[0].ttl == 20);
  CHECK_FALSE(cache.get(q, 1232, t0 + 31s));

  Message short_q = query("short.example.org");
  cache.put(short_q, reply(short_q, kNoError, 5), t0);
  CHECK(cache.get(short_q, 1232, t0 + 4s));
  CHECK_FALSE(cache.get(short_q, 1232, t0 + 6s));
}

TEST_CASE("negative replies live by their SOA; SERVFAIL, TC and zero TTLs are not kept") {
  ForwardCache cache;
  auto t0 = ForwardCache::Clock::now();
  Message nx = query("nope.example.org");
  cache.put(nx, reply(nx, kNxDomain, 3600), t0);
  auto hit = cache.get(nx, 1232, t0 + 29s);
  REQUIRE(hit);
  CHECK(parse(*hit)->header.rcode == kNxDomain);

  Message fail = query("fail.example.org");
  cache.put(fail, reply(fail, kServFail, 60), t0);
  CHECK_FALSE(cache.get(fail, 1232, t0));

  Message zero = query("zero.example.org");
  cache.put(zero, reply(zero, kNoError, 0), t0);
  CHECK_FALSE(cache.get(zero, 1232, t0));

  Message tc = query("tc.example.org");
  std::string truncated = reply(tc, kNoError, 60);
  truncated[2] = static_cast<char>(truncated[2] | 0x02);
  cache.put(tc, truncated, t0);
  CHECK_FALSE(cache.get(tc, 1232, t0));
  CHECK(cache.size() == 1);
}

TEST_CASE("DNSSEC-OK askers have entries of their own; a reply too big for the asker is not served") {
  ForwardCache cache;
  auto t0 = ForwardCache::Clock::now();
  Message q = query("big.example.org");
  cache.put(q, reply(q, kNoError, 60, 60), t0);  // 60 A records: over 512 bytes
  CHECK(cache.get(q, 4096, t0));
  CHECK_FALSE(cache.get(q, 512, t0));
  CHECK_FALSE(cache.get(query("big.example.org", 1, true), 4096, t0));
}

TEST_CASE("a full cache drops expired entries first, then starts over") {
  ForwardCache cache(30s, 3);
  auto t0 = ForwardCache::Clock::now();
  for (int i = 0; i < 3; ++i) {
    Message q = query("n" + std::to_string(i) + ".example.org");
    cache.put(q, reply(q, kNoError, i == 0 ? 1 : 30), t0);
  }
  Message q = query("n3.example.org");
  cache.put(q, reply(q, kNoError, 30), t0 + 2s);
  CHECK(cache.size() == 3);  // n0 expired and went
  CHECK(cache.get(query("n1.example.org"), 1232, t0 + 2s));
}
