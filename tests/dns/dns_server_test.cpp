// The cluster DNS against a real API server: `minikube server --disable-agent` (the e2e
// harness) plus the DNS component of the agent (ClusterDns) bound to a loopback address and a
// free port, with Services and EndpointSlices created through kubectl and queries sent with
// dig. Names outside the cluster go to a fake upstream on loopback.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/dns/cluster_dns.h"
#include "agent/dns/message.h"
#include "client/https_client.h"
#include "common/unique_fd.h"
#include "e2e/harness.h"

using namespace mk;
using namespace mk::e2e;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A loopback address of this run's own (127.<pid bits>.1), so parallel runs never share one.
std::string own_loopback(int last) {
  unsigned pid = static_cast<unsigned>(getpid());
  return "127." + std::to_string(100 + (pid >> 8) % 100) + "." + std::to_string(pid % 256) + "." + std::to_string(last);
}

// An upstream resolver stand-in: answers every A question with 192.0.2.<n> (n = queries so
// far), over UDP, until destroyed. With `silent` it reads and never answers.
class FakeUpstream {
 public:
  FakeUpstream(const std::string& address, bool silent) : address_(address), silent_(silent) {
    fd_ = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("bind fake upstream");
    socklen_t len = sizeof sa;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeUpstream() {
    stop_ = true;
    thread_.join();
  }
  uint16_t port() const { return port_; }
  int queries() const { return queries_; }

 private:
  void run() {
    char buf[4096];
    while (!stop_) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      ssize_t n = ::recvfrom(fd_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n <= 0) continue;
      int count = ++queries_;
      if (silent_) continue;
      auto q = agent::dns::parse(std::string_view(buf, static_cast<size_t>(n)));
      if (!q || q->questions.empty()) continue;
      agent::dns::Message r;
      r.header = q->header;
      r.header.qr = r.header.ra = true;
      r.questions = q->questions;
      if (q->questions[0].type == agent::dns::kA)
        r.answers.push_back(agent::dns::a_record(q->questions[0].name, 60, std::string{char(192), 0, 2, char(count)}));
      std::string wire = agent::dns::encode(r);
      ::sendto(fd_.get(), wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }
  std::string address_;
  bool silent_;
  UniqueFd fd_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

struct Dig {
  std::string address;
  uint16_t port;
  TempDir dir;

  // dig's full output for one question.
  RunResult ask(const std::string& name, const std::string& type, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"/usr/bin/dig", "@" + address, "-p", std::to_string(port), "+tries=1", "+time=3"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (type == "PTR") {
      argv.push_back("-x");
      argv.push_back(name);
    } else {
      argv.push_back(name);
      argv.push_back(type);
    }
    RunResult r;
    r.command = "dig";
    for (const auto& a : argv) r.command += " " + a;
    std::string out = dir.file("out"), err = dir.file("err");
    Process p(argv, {"PATH=/usr/bin:/bin"}, "/dev/null", out, err);
    r.timed_out = !p.wait_for_exit(20s);
    r.exit_code = r.timed_out ? -1 : p.exit_code();
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
  // The answer section's data, sorted ("+short").
  std::vector<std::string> short_answer(const std::string& name, const std::string& type, std::vector<std::string> extra = {}) {
    extra.push_back("+short");
    auto lines = split_lines(ask(name, type, extra).out);
    std::vector<std::string> out;
    for (auto& l : lines)
      if (!squeeze(l).empty() && l[0] != ';') out.push_back(squeeze(l));
    std::sort(out.begin(), out.end());
    return out;
  }
};

// A plain HTTP GET on loopback; the whole response.
std::string http_get(const std::string& address, uint16_t port, const std::string& path) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return "";
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: dns\r\n\r\n";
  if (::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) < 0) return "";
  std::string out;
  char buf[4096];
  while (true) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 3000) <= 0) break;
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string status_of(const RunResult& r) {
  auto at = r.out.find("status: ");
  if (at == std::string::npos) return "(no reply)";
  return r.out.substr(at + 8, r.out.find(',', at) - at - 8);
}

}  // namespace

TEST_CASE("cluster DNS answers from the API's Services and EndpointSlices and forwards the rest") {
  if (::access("/usr/bin/dig", X_OK) != 0) {
    WARN("skipped: dig is not installed (apt-get install dnsutils)");
    return;
  }
  Server server;

  // The server publishes the cluster settings and the kube-dns Service at start.
  auto cm = server.kubectl({"get", "configmap", "-n", "kube-system", "minikube-cluster", "-o",
                            "jsonpath={.data.clusterDNS} {.data.clusterDomain} {.data.serviceCIDR} {.data.clusterCIDR}"});
  REQUIRE(cm.ok());
  CHECK(cm.out == "10.43.0.10 cluster.local 10.43.0.0/16 " + server.ranges().cluster_cidr);
  auto svcs = server.kubectl({"get", "svc", "-A"});
  REQUIRE(svcs.ok());
  INFO(svcs.out);
  CHECK(has_line_starting(svcs.out, "kube-system kube-dns ClusterIP 10.43.0.10 <none> 53/UDP,53/TCP,9153/TCP"));

  client::HttpsClientConfig cc;
  cc.server = server.url();
  cc.ca_pem = read_file(server.ca_file());
  cc.cert_pem = read_file(server.client_cert_file());
  cc.key_pem = read_file(server.client_key_file());
  auto api = client::make_https_client(cc);
  REQUIRE(api);

  FakeUpstream upstream(own_loopback(2), false);
  agent::dns::ClusterDnsConfig config;
  config.node_name = "dns-test";
  config.listen_address = own_loopback(1);
  config.port = 0;
  config.upstreams = {{own_loopback(2), upstream.port()}};
  config.forward_timeout = 1000ms;
  config.metrics_port = 0;
  auto dns = agent::dns::ClusterDns::start(**api, config);
  REQUIRE(dns);
  Dig dig{config.listen_address, (*dns)->port(), {}};

  // Services that exist before the DNS started: the API server's own and kube-dns.
  CHECK(dig.short_answer("kubernetes.default.svc.cluster.local", "A") == std::vector<std::string>{"10.43.0.1"});
  CHECK(dig.short_answer("10.43.0.10", "PTR") == std::vector<std::string>{"kube-dns.kube-system.svc.cluster.local."});

  std::string manifest = R"(apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: None
  ports: [{name: pg, port: 5432, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: db-manual
  namespace: shop
  labels: {kubernetes.io/service-name: db}
addressType: IPv4
ports: [{name: pg, port: 5432, protocol: TCP}]
endpoints:
- addresses: [10.42.0.21]
  hostname: db-0
  conditions: {ready: true}
- addresses: [10.42.0.22]
  conditions: {ready: true}
- addresses: [10.42.0.23]
  conditions: {ready: false}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com}
)";
  // A headless service with 40 ready endpoints: its A answer needs more than 512 bytes.
  manifest += R"(---
apiVersion: v1
kind: Service
metadata: {name: many, namespace: shop}
spec: {clusterIP: None}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: many-1
  namespace: shop
  labels: {kubernetes.io/service-name: many}
addressType: IPv4
endpoints:
)";
  for (int i = 0; i < 40; ++i) manifest += "- addresses: [10.42.3." + std::to_string(10 + i) + "]\n";
  auto applied = server.kubectl({"apply", "-f", server.write("shop.yaml", manifest)});
  REQUIRE(applied.ok());
  auto ip = server.kubectl({"get", "svc", "-n", "shop", "web", "-o", "jsonpath={.spec.clusterIP}"});
  REQUIRE(ip.ok());

  {  // A for a ClusterIP service, once the informer has it
    CHECK(poll_until([&] { return dig.short_answer("web.shop.svc.cluster.local", "A") == std::vector<std::string>{ip.out}; }, 10s));
    auto full = dig.ask("WEB.shop.svc.cluster.local", "A");
    CHECK(status_of(full) == "NOERROR");
    CHECK(contains(full.out, "flags: qr aa rd ra"));
    CHECK(contains(full.out, "WEB.shop.svc.cluster.local. 5\tIN\tA\t" + ip.out));
    CHECK(contains(full.out, "EDNS: version: 0"));  // dig sends EDNS0; the OPT comes back
    // Over TCP too.
    CHECK(dig.short_answer("web.shop.svc.cluster.local", "A", {"+tcp"}) == std::vector<std::string>{ip.out});
    // Reverse.
    CHECK(dig.short_answer(ip.out, "PTR") == std::vector<std::string>{"web.shop.svc.cluster.local."});
  }

  {  // headless endpoints, hostnames, SRV
    REQUIRE(poll_until([&] { return dig.short_answer("db.shop.svc.cluster.local", "A").size() == 2; }, 10s));
    CHECK(dig.short_answer("db.shop.svc.cluster.local", "A") == std::vector<std::string>{"10.42.0.21", "10.42.0.22"});
    CHECK(dig.short_answer("db-0.db.shop.svc.cluster.local", "A") == std::vector<std::string>{"10.42.0.21"});
    CHECK(dig.short_answer("_pg._tcp.db.shop.svc.cluster.local", "SRV") ==
          std::vector<std::string>{"0 50 5432 10-42-0-22.db.shop.svc.cluster.local.", "0 50 5432 db-0.db.shop.svc.cluster.local."});
    CHECK(dig.short_answer("10.42.0.21", "PTR") == std::vector<std::string>{"db-0.db.shop.svc.cluster.local."});
    CHECK(poll_until([&] { return dig.short_answer("_http._tcp.web.shop.svc.cluster.local", "SRV") ==
                                  std::vector<std::string>{"0 100 80 web.shop.svc.cluster.local."}; }, 10s));
    CHECK(dig.short_answer("ext.shop.svc.cluster.local", "CNAME") == std::vector<std::string>{"db.example.com."});
    // Asked for an address, the ExternalName's target is resolved upstream and appended.
    auto chased = dig.short_answer("ext.shop.svc.cluster.local", "A");
    REQUIRE(chased.size() == 2);
    CHECK(chased[0].rfind("192.0.2.", 0) == 0);
    CHECK(chased[1] == "db.example.com.");
    CHECK(dig.short_answer("10-42-9-9.shop.pod.cluster.local", "A") == std::vector<std::string>{"10.42.9.9"});

    // A deleted endpoint slice takes its names with it.
    REQUIRE(server.kubectl({"delete", "endpointslice", "-n", "shop", "db-manual"}).ok());
    CHECK(poll_until([&] { return status_of(dig.ask("db.shop.svc.cluster.local", "A")) == "NXDOMAIN"; }, 10s));
  }

  {  // over 512 bytes without EDNS0: TC over UDP, the whole answer over TCP
    REQUIRE(poll_until([&] { return dig.short_answer("many.shop.svc.cluster.local", "A").size() == 40; }, 10s));
    auto cut = dig.ask("many.shop.svc.cluster.local", "A", {"+noedns", "+ignore"});
    CHECK(contains(cut.out, "flags: qr aa tc rd ra"));
    CHECK(contains(cut.out, "ANSWER: 0"));
    CHECK(dig.short_answer("many.shop.svc.cluster.local", "A", {"+noedns"}).size() == 40);  // dig retries over TCP
    auto edns = dig.ask("many.shop.svc.cluster.local", "A", {"+bufsize=1232"});
    CHECK(contains(edns.out, "ANSWER: 40"));
    CHECK(contains(edns.out, "udp: 1232"));
  }

  {  // NXDOMAIN and NODATA, both with the zone's SOA
    auto nx = dig.ask("kubernetes.default.default.svc.cluster.local", "A");
    CHECK(status_of(nx) == "NXDOMAIN");
    CHECK(contains(nx.out, "AUTHORITY: 1"));
    CHECK(contains(nx.out, "cluster.local.\t\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local."));
    auto nodata = dig.ask("kubernetes.default.svc.cluster.local", "AAAA");
    CHECK(status_of(nodata) == "NOERROR");
    CHECK(contains(nodata.out, "ANSWER: 0"));
    CHECK(contains(nodata.out, "AUTHORITY: 1"));
  }

  {  // other names go to the upstream; a silent upstream gives SERVFAIL
    auto out = dig.short_answer("www.example.org", "A");
    REQUIRE(out.size() == 1);
    CHECK(out[0].rfind("192.0.2.", 0) == 0);
    CHECK(upstream.queries() >= 1);
    // Unknown reverse names too: no service has 10.42.99.99.
    CHECK(dig.ask("10.42.99.99", "PTR").exit_code == 0);
    CHECK(upstream.queries() >= 2);

    FakeUpstream silent(own_loopback(3), true);
    agent::dns::ClusterDnsConfig quiet = config;
    quiet.upstreams = {{own_loopback(3), silent.port()}};
    quiet.forward_timeout = 300ms;
    auto dns2 = agent::dns::ClusterDns::start(**api, quiet);
    REQUIRE(dns2);
    Dig dig2{config.listen_address, (*dns2)->port(), {}};
    auto failed = dig2.ask("www.example.org", "A");
    CHECK(status_of(failed) == "SERVFAIL");
    CHECK(silent.queries() >= 1);
    auto tcp_failed = dig2.ask("www.example.org", "A", {"+tcp"});
    CHECK(status_of(tcp_failed) == "SERVFAIL");  // the silent upstream has no TCP at all
  }

  {  // the counters at /metrics, as CoreDNS's Prometheus port serves them
    std::string metrics = http_get(config.listen_address, (*dns)->metrics_port(), "/metrics");
    INFO(metrics);
    CHECK(metrics.rfind("HTTP/1.1 200 OK", 0) == 0);
    CHECK(contains(metrics, "coredns_dns_requests_total{proto=\"udp\"} "));
    CHECK_FALSE(contains(metrics, "coredns_dns_requests_total{proto=\"tcp\"} 0\n"));
    CHECK_FALSE(contains(metrics, "coredns_forward_requests_total 0\n"));
    CHECK(contains(http_get(config.listen_address, (*dns)->metrics_port(), "/nope"), "404 Not Found"));
  }
}
