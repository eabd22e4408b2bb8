// A pod's resolver settings per dnsPolicy (src/agent/kubelet/pod_dns.h) and the host's
// resolv.conf as the kubelet reads it (src/agent/dns/resolv_conf.h).

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "agent/dns/resolv_conf.h"
#include "agent/kubelet/pod_dns.h"

using namespace mk::agent;
using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

kubelet::PodDnsSettings settings() {
  kubelet::PodDnsSettings s;
  s.cluster_dns = "10.43.0.10";
  s.cluster_domain = "cluster.local";
  s.host_nameservers = {"192.168.1.1"};
  s.host_searches = {"lan", "example.com"};
  s.host_options = {"edns0"};
  return s;
}

mk::runtime::pod::PodSpec apply(const json& pod) {
  mk::runtime::pod::PodSpec spec;
  kubelet::apply_cluster_dns(spec, pod, settings());
  return spec;
}

}  // namespace

TEST_CASE("ClusterFirst: the cluster DNS, the namespace's search path, ndots:5") {
  auto spec = apply({{"metadata", {{"namespace", "shop"}}}, {"spec", json::object()}});
  CHECK(spec.dns_servers == Strings{"10.43.0.10"});
  CHECK(spec.dns_searches == Strings{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan", "example.com"});
  CHECK(spec.dns_options == Strings{"ndots:5"});
}

TEST_CASE("hostNetwork pods use the host's resolver unless ClusterFirstWithHostNet") {
  auto host = apply({{"metadata", {{"namespace", "a"}}}, {"spec", {{"hostNetwork", true}}}});
  CHECK(host.dns_servers == Strings{"192.168.1.1"});
  CHECK(host.dns_searches == Strings{"lan", "example.com"});
  CHECK(host.dns_options == Strings{"edns0"});
  auto with = apply({{"metadata", {{"namespace", "a"}}}, {"spec", {{"hostNetwork", true}, {"dnsPolicy", "ClusterFirstWithHostNet"}}}});
  CHECK(with.dns_servers == Strings{"10.43.0.10"});
  auto def = apply({{"metadata", {{"namespace", "a"}}}, {"spec", {{"dnsPolicy", "Default"}}}});
  CHECK(def.dns_servers == Strings{"192.168.1.1"});
}

TEST_CASE("None takes dnsConfig alone; dnsConfig adds to the others and overrides options") {
  json none = {{"metadata", {{"namespace", "a"}}},
               {"spec",
                {{"dnsPolicy", "None"},
                 {"dnsConfig",
                  {{"nameservers", {"1.1.1.1"}}, {"searches", {"x.y"}}, {"options", {{{"name", "ndots"}, {"value", "2"}}}}}}}}};
  auto spec = apply(none);
  CHECK(spec.dns_servers == Strings{"1.1.1.1"});
  CHECK(spec.dns_searches == Strings{"x.y"});
  CHECK(spec.dns_options == Strings{"ndots:2"});

  none["spec"]["dnsPolicy"] = "ClusterFirst";
  none["spec"]["dnsConfig"]["options"].push_back({{"name", "single-request-reopen"}});
  none["spec"]["dnsConfig"]["searches"].push_back("svc.cluster.local");  // already there: once
  auto merged = apply(none);
  CHECK(merged.dns_servers == Strings{"10.43.0.10", "1.1.1.1"});
  CHECK(merged.dns_searches ==
        Strings{"a.svc.cluster.local", "svc.cluster.local", "cluster.local", "lan", "example.com", "x.y"});
  CHECK(merged.dns_options == Strings{"ndots:2", "single-request-reopen"});
}

TEST_CASE("at most three nameservers") {
  json pod = {{"spec", {{"dnsConfig", {{"nameservers", {"1.1.1.1", "2.2.2.2", "3.3.3.3"}}}}}}};
  CHECK(apply(pod).dns_servers == Strings{"10.43.0.10", "1.1.1.1", "2.2.2.2"});
}

TEST_CASE("resolv.conf: the last search line wins, comments and loopback stubs are dropped") {
  auto conf = dns::parse_resolv_conf("# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2 ; lan\nsearch a b\n"
                                     "search c d\noptions edns0 trust-ad\nnameserver ::1\n");
  CHECK(conf.nameservers == Strings{"127.0.0.53", "10.0.0.2", "::1"});
  CHECK(conf.searches == Strings{"c", "d"});
  CHECK(conf.options == Strings{"edns0", "trust-ad"});
  CHECK(dns::is_loopback_nameserver("127.0.0.53"));
  CHECK(dns::is_loopback_nameserver("::1"));
  CHECK_FALSE(dns::is_loopback_nameserver("10.0.0.2"));

  char dir[] = "/tmp/mk-resolv-XXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string etc = std::string(dir) + "/resolv.conf", systemd = std::string(dir) + "/systemd.conf";
  std::ofstream(etc) << "nameserver 127.0.0.53\nsearch home\n";
  CHECK(dns::pick_resolv_conf(etc, systemd) == etc);  // no systemd file: keep /etc's
  std::ofstream(systemd) << "nameserver 192.0.2.1\nsearch home\n";
  CHECK(dns::pick_resolv_conf(etc, systemd) == systemd);
  CHECK(dns::host_resolv_conf(etc).nameservers.empty());
  CHECK(dns::host_resolv_conf(systemd).nameservers == Strings{"192.0.2.1"});
  std::remove(etc.c_str());
  std::remove(systemd.c_str());
  rmdir(dir);
}
