// The cluster zone's rules (records.h): what each name answers, NXDOMAIN versus NODATA, the SOA
// on negative answers, TTL 5, and the reverse names.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "agent/dns/records.h"
#include "agent/dns/resolver.h"

using namespace mk::agent::dns;
using nlohmann::json;

namespace {

json service(const std::string& ns, const std::string& name, const std::string& ip, json ports = json::array()) {
  return {{"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"type", "ClusterIP"}, {"clusterIP", ip}, {"clusterIPs", {ip}}, {"ports", ports}}}};
}

json slice(const std::string& ns, const std::string& name, const std::string& svc, json endpoints, json ports = json::array()) {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"kubernetes.io/service-name", svc}}}}},
          {"addressType", "IPv4"},
          {"endpoints", endpoints},
          {"ports", ports}};
}

json endpoint(const std::string& ip, bool ready = true, const std::string& hostname = "") {
  json e = {{"addresses", {ip}}, {"conditions", {{"ready", ready}}}};
  if (!hostname.empty()) e["hostname"] = hostname;
  return e;
}

std::vector<std::string> addresses(const Answer& a) {
  std::vector<std::string> out;
  for (const auto& r : a.answers)
    if (r.type == kA || r.type == kAAAA) out.push_back(address_text(r.address));
  std::sort(out.begin(), out.end());
  return out;
}

void check_negative(const std::optional<Answer>& a, uint16_t rcode) {
  REQUIRE(a);
  CHECK(a->rcode == rcode);
  CHECK(a->answers.empty());
  REQUIRE(a->authority.size() == 1);
  CHECK(a->authority[0].type == kSOA);
  CHECK(a->authority[0].name == "cluster.local");
  CHECK(a->authority[0].soa.mname == "ns.dns.cluster.local");
  CHECK(a->authority[0].ttl == 5);
}

struct Zone {
  ClusterRecords records{ZoneSettings{}};
  Zone() {
    records.set_service(service("default", "kubernetes", "10.43.0.1", json::array({{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}}})));
    records.set_service(service("kube-system", "kube-dns", "10.43.0.10",
                                json::array({{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}},
                                             {{"name", "dns-tcp"}, {"port", 53}, {"protocol", "TCP"}}})));
    records.set_service(service("shop", "web", "10.43.7.7", json::array({{{"name", "http"}, {"port", 80}}})));
    records.set_endpoint_slice(slice("shop", "web-abc", "web", json::array({endpoint("10.42.0.5"), endpoint("10.42.0.6", false)}),
                                     json::array({{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}})));
    json headless = service("shop", "db", "None", json::array({{{"name", "pg"}, {"port", 5432}, {"protocol", "TCP"}}}));
    records.set_service(headless);
    records.set_endpoint_slice(slice("shop", "db-1", "db",
                                     json::array({endpoint("10.42.1.10", true, "db-0"), endpoint("10.42.1.11"),
                                                  endpoint("10.42.1.12", false, "db-2")}),
                                     json::array({{{"name", "pg"}, {"port", 5432}, {"protocol", "TCP"}}})));
    records.set_endpoint_slice(slice("shop", "db-2", "db", json::array({endpoint("10.42.2.20", true, "db-3")}),
                                     json::array({{{"name", "pg"}, {"port", 5432}, {"protocol", "TCP"}}})));
    records.set_service({{"metadata", {{"name", "ext"}, {"namespace", "shop"}}},
                         {"spec", {{"type", "ExternalName"}, {"externalName", "db.example.com."}}}});
    records.set_service(service("shop", "empty", "None"));
  }
};

}  // namespace

TEST_CASE("a ClusterIP service answers its cluster IP, in any letter case, TTL 5") {
  Zone z;
  auto a = z.records.lookup("Kubernetes.DEFAULT.svc.cluster.local", kA);
  REQUIRE(a);
  CHECK(a->rcode == kNoError);
  REQUIRE(a->answers.size() == 1);
  CHECK(a->answers[0].name == "Kubernetes.DEFAULT.svc.cluster.local");
  CHECK(address_text(a->answers[0].address) == "10.43.0.1");
  CHECK(a->answers[0].ttl == 5);
}

TEST_CASE("the search path: NXDOMAIN for a missing service, NODATA for AAAA of an IPv4 service") {
  Zone z;
  check_negative(z.records.lookup("kubernetes.default.default.svc.cluster.local", kA), kNxDomain);
  check_negative(z.records.lookup("kubernetes.default.svc.cluster.local", kAAAA), kNoError);
  check_negative(z.records.lookup("kubernetes.default.svc.cluster.local", kTXT), kNoError);
  check_negative(z.records.lookup("nope.default.svc.cluster.local", kA), kNxDomain);
  check_negative(z.records.lookup("default.svc.cluster.local", kA), kNoError);  // a namespace: no records
  check_negative(z.records.lookup("svc.cluster.local", kA), kNoError);
  check_negative(z.records.lookup("foo.cluster.local", kA), kNxDomain);
  check_negative(z.records.lookup("a.b.c.d.web.shop.svc.cluster.local", kA), kNxDomain);
}

TEST_CASE("names outside the zone are not the zone's") {
  Zone z;
  CHECK_FALSE(z.records.lookup("example.com", kA));
  CHECK_FALSE(z.records.lookup("cluster.local.example.com", kA));
  CHECK_FALSE(z.records.lookup("xcluster.local", kA));
  CHECK_FALSE(z.records.lookup("9.9.9.9.in-addr.arpa", kPTR));  // an address nobody has
}

TEST_CASE("the zone apex answers SOA and NS, and dns-version TXT") {
  Zone z;
  auto soa = z.records.lookup("cluster.local", kSOA);
  REQUIRE(soa);
  REQUIRE(soa->answers.size() == 1);
  CHECK(soa->answers[0].soa.rname == "hostmaster.cluster.local");
  auto ns = z.records.lookup("cluster.local", kNS);
  REQUIRE(ns);
  REQUIRE(ns->answers.size() == 1);
  CHECK(ns->answers[0].target == "ns.dns.cluster.local");
  REQUIRE(ns->additional.size() == 1);
  CHECK(address_text(ns->additional[0].address) == "10.43.0.10");
  auto txt = z.records.lookup("dns-version.cluster.local", kTXT);
  REQUIRE(txt);
  REQUIRE(txt->answers.size() == 1);
  CHECK(txt->answers[0].raw == std::string("\x05" "1.0.1"));
  check_negative(z.records.lookup("cluster.local", kA), kNoError);
}

TEST_CASE("a headless service answers its ready endpoints, and each endpoint by hostname") {
  Zone z;
  auto a = z.records.lookup("db.shop.svc.cluster.local", kA);
  REQUIRE(a);
  CHECK(addresses(*a) == std::vector<std::string>{"10.42.1.10", "10.42.1.11", "10.42.2.20"});  // not the unready 10.42.1.12
  auto host = z.records.lookup("db-0.db.shop.svc.cluster.local", kA);
  REQUIRE(host);
  CHECK(addresses(*host) == std::vector<std::string>{"10.42.1.10"});
  auto dashed = z.records.lookup("10-42-1-11.db.shop.svc.cluster.local", kA);
  REQUIRE(dashed);
  CHECK(addresses(*dashed) == std::vector<std::string>{"10.42.1.11"});
  check_negative(z.records.lookup("db-2.db.shop.svc.cluster.local", kA), kNxDomain);  // not ready
  check_negative(z.records.lookup("empty.shop.svc.cluster.local", kA), kNxDomain);   // no endpoints at all
  // An endpoint of a ClusterIP service has its name too.
  auto web_ep = z.records.lookup("10-42-0-5.web.shop.svc.cluster.local", kA);
  REQUIRE(web_ep);
  CHECK(addresses(*web_ep) == std::vector<std::string>{"10.42.0.5"});
}

TEST_CASE("SRV per named port: the service as target, or each endpoint of a headless service") {
  Zone z;
  auto srv = z.records.lookup("_http._tcp.web.shop.svc.cluster.local", kSRV);
  REQUIRE(srv);
  REQUIRE(srv->answers.size() == 1);
  CHECK(srv->answers[0].port == 80);
  CHECK(srv->answers[0].target == "web.shop.svc.cluster.local");
  CHECK(srv->answers[0].priority == 0);
  CHECK(srv->answers[0].weight == 100);
  REQUIRE(srv->additional.size() == 1);
  CHECK(address_text(srv->additional[0].address) == "10.43.7.7");

  auto dns = z.records.lookup("_dns._udp.kube-dns.kube-system.svc.cluster.local", kSRV);
  REQUIRE(dns);
  REQUIRE(dns->answers.size() == 1);
  CHECK(dns->answers[0].port == 53);
  check_negative(z.records.lookup("_dns._tcp.kube-dns.kube-system.svc.cluster.local", kSRV), kNxDomain);
  check_negative(z.records.lookup("_nope._tcp.web.shop.svc.cluster.local", kSRV), kNxDomain);

  auto pg = z.records.lookup("_pg._tcp.db.shop.svc.cluster.local", kSRV);
  REQUIRE(pg);
  REQUIRE(pg->answers.size() == 3);
  std::vector<std::string> targets;
  for (const auto& r : pg->answers) {
    CHECK(r.port == 5432);
    CHECK(r.weight == 33);
    targets.push_back(r.target);
  }
  std::sort(targets.begin(), targets.end());
  CHECK(targets == std::vector<std::string>{"10-42-1-11.db.shop.svc.cluster.local", "db-0.db.shop.svc.cluster.local",
                                            "db-3.db.shop.svc.cluster.local"});
  CHECK(pg->additional.size() == 3);

  // A records under a port name, and SRV for the service name itself.
  auto a_under_port = z.records.lookup("_http._tcp.web.shop.svc.cluster.local", kA);
  REQUIRE(a_under_port);
  CHECK(addresses(*a_under_port) == std::vector<std::string>{"10.43.7.7"});
  auto all = z.records.lookup("kube-dns.kube-system.svc.cluster.local", kSRV);
  REQUIRE(all);
  CHECK(all->answers.size() == 1);  // dns/UDP and dns-tcp/TCP give the same record: one RR
}

TEST_CASE("an ExternalName service is a CNAME") {
  Zone z;
  for (uint16_t type : {kA, kAAAA, kCNAME}) {
    auto a = z.records.lookup("ext.shop.svc.cluster.local", type);
    REQUIRE(a);
    REQUIRE(a->answers.size() == 1);
    CHECK(a->answers[0].type == kCNAME);
    CHECK(a->answers[0].target == "db.example.com");
  }
}

TEST_CASE("pod names answer the address they spell") {
  Zone z;
  auto a = z.records.lookup("10-42-3-4.anything.pod.cluster.local", kA);
  REQUIRE(a);
  CHECK(addresses(*a) == std::vector<std::string>{"10.42.3.4"});
  auto v6 = z.records.lookup("fd00--5.ns.pod.cluster.local", kAAAA);
  REQUIRE(v6);
  CHECK(addresses(*v6) == std::vector<std::string>{"fd00::5"});
  check_negative(z.records.lookup("10-42-3-4.ns.pod.cluster.local", kAAAA), kNoError);
  check_negative(z.records.lookup("not-an-ip.ns.pod.cluster.local", kA), kNxDomain);
  check_negative(z.records.lookup("10-42-3-400.ns.pod.cluster.local", kA), kNxDomain);
  check_negative(z.records.lookup("x.10-42-3-4.ns.pod.cluster.local", kA), kNxDomain);
  check_negative(z.records.lookup("ns.pod.cluster.local", kA), kNoError);
}

TEST_CASE("reverse names of service and endpoint addresses") {
  Zone z;
  auto svc = z.records.lookup("1.0.43.10.in-addr.arpa", kPTR);
  REQUIRE(svc);
  REQUIRE(svc->answers.size() == 1);
  CHECK(svc->answers[0].target == "kubernetes.default.svc.cluster.local");
  auto dns = z.records.lookup("10.0.43.10.IN-ADDR.ARPA", kPTR);
  REQUIRE(dns);
  CHECK(dns->answers.at(0).target == "kube-dns.kube-system.svc.cluster.local");
  auto ep = z.records.lookup("10.1.42.10.in-addr.arpa", kPTR);
  REQUIRE(ep);
  CHECK(ep->answers.at(0).target == "db-0.db.shop.svc.cluster.local");
  CHECK_FALSE(z.records.lookup("12.1.42.10.in-addr.arpa", kPTR));  // unready: not ours, forwarded
  CHECK_FALSE(z.records.lookup("01.1.42.10.in-addr.arpa", kPTR));
  CHECK(parse_reverse_name("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa") ==
        parse_address("fd00::1"));
}

TEST_CASE("changes replace what was there: updates, deletions, slices moving") {
  Zone z;
  z.records.set_service(service("shop", "web", "10.43.7.8", json::array({{{"name", "http"}, {"port", 80}}})));
  auto a = z.records.lookup("web.shop.svc.cluster.local", kA);
  REQUIRE(a);
  CHECK(addresses(*a) == std::vector<std::string>{"10.43.7.8"});
  CHECK_FALSE(z.records.lookup("7.7.43.10.in-addr.arpa", kPTR));
  CHECK(z.records.lookup("8.7.43.10.in-addr.arpa", kPTR));

  z.records.remove_endpoint_slice(slice("shop", "db-2", "db", json::array()));
  auto db = z.records.lookup("db.shop.svc.cluster.local", kA);
  REQUIRE(db);
  CHECK(addresses(*db) == std::vector<std::string>{"10.42.1.10", "10.42.1.11"});
  CHECK_FALSE(z.records.lookup("20.2.42.10.in-addr.arpa", kPTR));

  z.records.remove_service(service("shop", "db", "None"));
  check_negative(z.records.lookup("db.shop.svc.cluster.local", kA), kNxDomain);
  CHECK_FALSE(z.records.lookup("10.1.42.10.in-addr.arpa", kPTR));
  // The slice is kept: a service that comes back finds its endpoints.
  z.records.set_service(service("shop", "db", "None"));
  auto back = z.records.lookup("db.shop.svc.cluster.local", kA);
  REQUIRE(back);
  CHECK(addresses(*back).size() == 2);
}

TEST_CASE("another domain is honoured") {
  ZoneSettings s;
  s.domain = "Corp.Internal.";
  ClusterRecords r(s);
  r.set_service(service("a", "b", "10.43.1.1"));
  auto hit = r.lookup("b.a.svc.corp.internal", kA);
  REQUIRE(hit);
  CHECK(addresses(*hit) == std::vector<std::string>{"10.43.1.1"});
  CHECK_FALSE(r.lookup("b.a.svc.cluster.local", kA));
}

TEST_CASE("the resolver sets AA on zone answers and asks to forward the rest") {
  Zone z;
  Resolver resolver(z.records);
  Message q;
  q.header.id = 42;
  q.header.rd = true;
  q.questions.push_back({"kubernetes.default.svc.cluster.local", kA, kClassIN});
  Outcome out = resolver.handle(encode(q), false);
  REQUIRE(out.action == Outcome::Action::reply);
  auto r = parse(out.wire);
  REQUIRE(r);
  CHECK(r->header.id == 42);
  CHECK(r->header.qr);
  CHECK(r->header.aa);
  CHECK(r->header.ra);
  CHECK(r->header.rd);
  CHECK_FALSE(r->edns);  // none asked, none given
  CHECK(r->answers.size() == 1);

  q.questions[0].name = "example.org";
  CHECK(resolver.handle(encode(q), false).action == Outcome::Action::forward);

  q.questions[0].name = "kubernetes.default.svc.cluster.local";
  q.header.opcode = 2;
  auto notimp = parse(resolver.handle(encode(q), false).wire);
  REQUIRE(notimp);
  CHECK(notimp->header.rcode == kNotImp);

  q.header.opcode = 0;
  q.edns = Edns{};
  q.edns->version = 1;
  auto badvers = parse(resolver.handle(encode(q), false).wire);
  REQUIRE(badvers);
  CHECK(badvers->header.rcode == kBadVers);

  q.edns->version = 0;
  q.questions.push_back(q.questions[0]);
  auto formerr = parse(resolver.handle(encode(q), false).wire);
  REQUIRE(formerr);
  CHECK(formerr->header.rcode == kFormErr);

  Message answer_packet;
  answer_packet.header.qr = true;
  CHECK(resolver.handle(encode(answer_packet), false).action == Outcome::Action::drop);
}

TEST_CASE("before the first lists the zone answers SERVFAIL, not a cacheable NXDOMAIN") {
  Zone z;
  Resolver resolver(z.records, false);
  Message q;
  q.header.id = 5;
  q.questions.push_back({"kubernetes.default.svc.cluster.local", kA, kClassIN});
  auto early = parse(resolver.handle(encode(q), false).wire);
  REQUIRE(early);
  CHECK(early->header.rcode == kServFail);
  q.questions[0].name = "example.org";
  CHECK(resolver.handle(encode(q), false).action == Outcome::Action::forward);
  resolver.set_ready(true);
  q.questions[0].name = "kubernetes.default.svc.cluster.local";
  auto later = parse(resolver.handle(encode(q), false).wire);
  REQUIRE(later);
  CHECK(later->header.rcode == kNoError);
  CHECK(later->answers.size() == 1);
}

TEST_CASE("an ExternalName asked for addresses is followed: in the zone at once, else upstream") {
  Zone z;
  z.records.set_service({{"metadata", {{"name", "alias"}, {"namespace", "shop"}}},
                         {"spec", {{"type", "ExternalName"}, {"externalName", "web.shop.svc.cluster.local"}}}});
  Resolver resolver(z.records);
  Message q;
  q.header.id = 8;
  q.header.rd = true;
  q.questions.push_back({"alias.shop.svc.cluster.local", kA, kClassIN});
  Outcome inside = resolver.handle(encode(q), false);
  REQUIRE(inside.action == Outcome::Action::reply);
  auto r = parse(inside.wire);
  REQUIRE(r);
  REQUIRE(r->answers.size() == 2);
  CHECK(r->answers[0].type == kCNAME);
  CHECK(address_text(r->answers[1].address) == "10.43.7.7");

  q.questions[0].name = "ext.shop.svc.cluster.local";
  Outcome chase = resolver.handle(encode(q), false);
  REQUIRE(chase.action == Outcome::Action::chase);
  CHECK(chase.chase_name == "db.example.com");
  auto upstream_q = parse(chase_query(chase));
  REQUIRE(upstream_q);
  CHECK(upstream_q->questions.at(0).name == "db.example.com");
  CHECK(upstream_q->header.rd);

  Message up;
  up.header.qr = true;
  up.questions = upstream_q->questions;
  up.answers.push_back(a_record("db.example.com", 300, std::string{char(192), 0, 2, 9}));
  auto done = parse(finish_chase(chase, mk::Result<std::string>(encode(up))));
  REQUIRE(done);
  CHECK(done->header.id == 8);
  REQUIRE(done->answers.size() == 2);
  CHECK(done->answers[0].target == "db.example.com");
  CHECK(address_text(done->answers[1].address) == "192.0.2.9");

  auto failed = parse(finish_chase(chase, mk::Result<std::string>(mk::make_error(mk::Errc::unavailable, "timed out"))));
  REQUIRE(failed);
  CHECK(failed->answers.size() == 1);  // the CNAME alone
}
