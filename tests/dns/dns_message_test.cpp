// The DNS wire codec: round trips, name compression, EDNS0, truncation, and malformed input
// refused without a crash (hand-made cases plus a few hundred random and mutated packets).

#include <catch2/catch.hpp>

#include <random>

#include "agent/dns/message.h"
#include "agent/dns/resolver.h"

using namespace mk::agent::dns;

namespace {

std::string query_wire(const std::string& name, uint16_t type, std::optional<uint16_t> edns_size = std::nullopt) {
  Message q;
  q.header.id = 0xBEEF;
  q.header.rd = true;
  q.questions.push_back({name, type, kClassIN});
  if (edns_size) {
    Edns e;
    e.udp_size = *edns_size;
    q.edns = e;
  }
  return encode(q);
}

std::string ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return std::string{char(a), char(b), char(c), char(d)}; }

}  // namespace

TEST_CASE("a query parses back to what was encoded") {
  std::string wire = query_wire("Kubernetes.Default.svc.cluster.local", kA, 1232);
  auto m = parse(wire);
  REQUIRE(m);
  CHECK(m->header.id == 0xBEEF);
  CHECK(m->header.rd);
  CHECK_FALSE(m->header.qr);
  REQUIRE(m->questions.size() == 1);
  CHECK(m->questions[0].name == "Kubernetes.Default.svc.cluster.local");  // the asker's case is kept
  CHECK(m->questions[0].type == kA);
  REQUIRE(m->edns);
  CHECK(m->edns->udp_size == 1232);
  CHECK(m->edns->version == 0);
}

TEST_CASE("every record type round-trips") {
  Message m;
  m.header.id = 7;
  m.header.qr = m.header.aa = m.header.ra = true;
  m.questions.push_back({"svc.ns.svc.cluster.local", kANY, kClassIN});
  m.answers.push_back(a_record("svc.ns.svc.cluster.local", 5, ipv4(10, 43, 0, 7)));
  m.answers.push_back(a_record("svc.ns.svc.cluster.local", 5, std::string(15, '\0') + "\x01"));
  m.answers.push_back(name_record("x.ns.svc.cluster.local", kCNAME, 5, "example.com"));
  m.answers.push_back(name_record("7.0.43.10.in-addr.arpa", kPTR, 5, "svc.ns.svc.cluster.local"));
  m.answers.push_back(srv_record("_http._tcp.svc.ns.svc.cluster.local", 5, 0, 100, 80, "svc.ns.svc.cluster.local"));
  m.answers.push_back(txt_record("dns-version.cluster.local", 5, {"1.0.1"}));
  Soa soa{"ns.dns.cluster.local", "hostmaster.cluster.local", 1, 7200, 1800, 86400, 5};
  m.authority.push_back(soa_record("cluster.local", 5, soa));
  m.additional.push_back(a_record("ns.dns.cluster.local", 5, ipv4(10, 43, 0, 10)));
  Edns e;
  e.udp_size = 1232;
  e.dnssec_ok = true;
  m.edns = e;

  auto back = parse(encode(m));
  REQUIRE(back);
  REQUIRE(back->answers.size() == 6);
  CHECK(back->answers[0].address == ipv4(10, 43, 0, 7));
  CHECK(back->answers[1].type == kAAAA);
  CHECK(back->answers[2].target == "example.com");
  CHECK(back->answers[3].target == "svc.ns.svc.cluster.local");
  CHECK(back->answers[4].port == 80);
  CHECK(back->answers[4].weight == 100);
  CHECK(back->answers[4].target == "svc.ns.svc.cluster.local");
  CHECK(back->answers[5].raw == std::string("\x05" "1.0.1"));
  REQUIRE(back->authority.size() == 1);
  CHECK(back->authority[0].soa.mname == "ns.dns.cluster.local");
  CHECK(back->authority[0].soa.minimum == 5);
  REQUIRE(back->additional.size() == 1);
  REQUIRE(back->edns);
  CHECK(back->edns->dnssec_ok);
  CHECK(back->header.aa);
}

TEST_CASE("names are compressed, case-insensitively") {
  Message m;
  m.header.qr = true;
  m.questions.push_back({"web.default.svc.cluster.local", kA, kClassIN});
  for (int i = 0; i < 10; ++i) m.answers.push_back(a_record("WEB.default.svc.cluster.local", 5, ipv4(10, 42, 0, uint8_t(i))));
  std::string wire = encode(m);
  // 12 header + 35 question; each answer: 2-byte pointer + 10 + 4.
  CHECK(wire.size() == 12 + 35 + 10 * 16);
  auto back = parse(wire);
  REQUIRE(back);
  CHECK(back->answers.size() == 10);
  CHECK(names_equal(back->answers[9].name, "web.default.svc.cluster.local"));
}

TEST_CASE("labels with dots and odd bytes survive as escapes") {
  std::string wire = query_wire("a\\046b.c\\092d.ex", kA);
  auto m = parse(wire);
  REQUIRE(m);
  CHECK(m->questions[0].name == "a\\046b.c\\092d.ex");
  CHECK(encode(*m) == wire);
}

TEST_CASE("replies over the size limit lose additional records first, then set TC") {
  Message m;
  m.header.qr = true;
  m.questions.push_back({"big.ns.svc.cluster.local", kA, kClassIN});
  for (int i = 0; i < 100; ++i) m.answers.push_back(a_record("big.ns.svc.cluster.local", 5, ipv4(10, 42, uint8_t(i), 1)));
  m.edns = Edns{};
  std::string full = encode(m);
  CHECK(full.size() > 512);
  auto cut = parse(encode(m, 512));
  REQUIRE(cut);
  CHECK(cut->header.tc);
  CHECK(cut->answers.empty());
  CHECK(cut->edns);  // the OPT record stays
  CHECK(cut->questions.size() == 1);
  auto whole = parse(encode(m, 4096));
  REQUIRE(whole);
  CHECK_FALSE(whole->header.tc);
  CHECK(whole->answers.size() == 100);

  Message glue = m;
  glue.answers.resize(20);
  for (int i = 0; i < 40; ++i) glue.additional.push_back(a_record("host.ns.svc.cluster.local", 5, ipv4(10, 42, 1, uint8_t(i))));
  auto dropped = parse(encode(glue, 512));
  REQUIRE(dropped);
  CHECK_FALSE(dropped->header.tc);
  CHECK(dropped->answers.size() == 20);
  CHECK(dropped->additional.empty());
}

TEST_CASE("the reply limit follows EDNS0 and the transport") {
  auto plain = parse(query_wire("a.b", kA));
  auto edns = parse(query_wire("a.b", kA, 1232));
  auto tiny = parse(query_wire("a.b", kA, 100));
  auto huge = parse(query_wire("a.b", kA, 65000));
  REQUIRE((plain && edns && tiny && huge));
  CHECK(reply_limit(*plain, false) == 512);
  CHECK(reply_limit(*edns, false) == 1232);
  CHECK(reply_limit(*tiny, false) == 512);
  CHECK(reply_limit(*huge, false) == 4096);
  CHECK(reply_limit(*plain, true) == 65535);
}

TEST_CASE("malformed messages are refused with a reason") {
  std::string good = query_wire("a.example", kA, 1232);
  CHECK_FALSE(parse(""));
  CHECK_FALSE(parse(good.substr(0, 11)));
  CHECK_FALSE(parse(good.substr(0, good.size() - 1)));  // cut inside the OPT record
  CHECK_FALSE(parse(good + "x"));                       // trailing garbage

  std::string loop = good.substr(0, 12);
  loop[5] = 1;  // one question
  loop[11] = 0;  // no additional
  loop += "\xC0\x0C";  // a pointer to itself
  loop += std::string("\x00\x01\x00\x01", 4);
  auto r = parse(loop);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("pointer") != std::string::npos);

  std::string forward = good.substr(0, 12) + "\xC0\x20" + std::string("\x00\x01\x00\x01", 4);
  forward[5] = 1;
  forward[11] = 0;
  CHECK_FALSE(parse(forward));

  std::string label = good.substr(0, 12) + "\x40" + std::string(64, 'a') + std::string("\0\0\1\0\1", 5);
  label[5] = 1;
  label[11] = 0;
  CHECK_FALSE(parse(label));  // 0x40: a reserved label type

  std::string counts = good;
  counts[6] = '\xFF';  // 65280 answers claimed
  CHECK_FALSE(parse(counts));

  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcdef.";
  long_name += "x";
  CHECK_FALSE(parse(query_wire(long_name, kA)));  // over 255 bytes on the wire

  Message two_opt;
  two_opt.questions.push_back({"a", kA, kClassIN});
  two_opt.edns = Edns{};
  std::string wire = encode(two_opt);
  std::string opt = wire.substr(wire.size() - 11);
  wire += opt;
  wire[11] = 2;
  CHECK_FALSE(parse(wire));
}

TEST_CASE("random and mutated packets never crash the parser or the resolver") {
  std::mt19937 rng(12345);
  mk::agent::dns::ZoneSettings zone;
  ClusterRecords records(zone);
  Resolver resolver(records);
  std::vector<std::string> seeds = {query_wire("kubernetes.default.svc.cluster.local", kA, 1232),
                                    query_wire("_http._tcp.web.ns.svc.cluster.local", kSRV),
                                    query_wire("1.0.43.10.in-addr.arpa", kPTR, 4096)};
  Message reply;
  reply.header.qr = true;
  reply.questions.push_back({"web.ns.svc.cluster.local", kA, kClassIN});
  reply.answers.push_back(a_record("web.ns.svc.cluster.local", 5, ipv4(10, 1, 2, 3)));
  reply.authority.push_back(soa_record("cluster.local", 5, Soa{"ns.dns.cluster.local", "hostmaster.cluster.local", 1, 2, 3, 4, 5}));
  seeds.push_back(encode(reply));

  int parsed = 0, replied = 0;
  for (int i = 0; i < 600; ++i) {
    std::string packet;
    if (i % 3 == 0) {
      packet.resize(rng() % 600);
      for (char& c : packet) c = static_cast<char>(rng());
    } else {
      packet = seeds[rng() % seeds.size()];
      int flips = 1 + static_cast<int>(rng() % 8);
      for (int f = 0; f < flips; ++f) {
        switch (rng() % 4) {
          case 0: packet[rng() % packet.size()] = static_cast<char>(rng()); break;
          case 1: packet.resize(rng() % (packet.size() + 1)); break;
          case 2: packet.insert(packet.begin() + static_cast<long>(rng() % (packet.size() + 1)), static_cast<char>(rng())); break;
          default: packet[12 + rng() % 4] = '\xC0'; break;
        }
        if (packet.size() < 16) packet.resize(16, '\0');
      }
    }
    auto m = parse(packet);
    if (m) {
      ++parsed;
      (void)encode(*m, 512);  // whatever parsed must encode again
    }
    for (bool tcp : {false, true}) {
      Outcome out = resolver.handle(packet, tcp);
      if (out.action == Outcome::Action::reply) {
        ++replied;
        CHECK(out.wire.size() <= (tcp ? 65535u : 4096u));
        CHECK(parse(out.wire));  // every reply is well formed
      }
    }
  }
  INFO("parsed " << parsed << ", replied " << replied);
  CHECK(replied > 0);
}
