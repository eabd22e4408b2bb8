// Pod network, Services and cluster DNS with real pods, as root. The node is a network namespace
// of the test's own, holding the server with its full agent (pod network, service proxy,
// NetworkPolicy, cluster DNS); a veth joins it to a second "outside" namespace, and the server
// runs with --node-ip set to the node's end, as a machine on a LAN would. A Deployment of three
// busybox httpd pods behind a NodePort Service is then reached:
//   - from a pod through the ClusterIP, the requests spread over all three endpoints;
//   - from the outside namespace through <node ip>:<nodePort>;
//   - by name from a pod through the cluster DNS (ClusterIP, headless, a short name through the
//     search path);
//   - under a NetworkPolicy that admits only pods labelled role=client.
// Everything lives in the two namespaces, which go away (with their devices and nftables tables)
// after the Server has removed its pods.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <set>

#include "e2e/busybox_pods.h"
#include "e2e/harness.h"
#include "e2e/netns_lab.h"

using namespace mk::e2e;

namespace {

// One HTTP/1.0 request with busybox nc, bounded by -w (busybox wget crashes without NSS files).
std::string http_get(const std::string& ip, const std::string& port, int wait_seconds = 2) {
  return "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w " + std::to_string(wait_seconds) + " " + ip + " " + port;
}

// A pod that runs `script` once.
RunResult run_pod(Server& server, const std::string& name, const std::string& script, const std::string& labels = "") {
  std::vector<std::string> args = {"run", name, "--image", kBusyboxImage, "--restart", "Never"};
  if (!labels.empty()) args.insert(args.end(), {"--labels", labels});
  args.insert(args.end(), {"--command", "--", "sh", "-c", script});
  return server.kubectl(args);
}

struct Finished {
  std::string phase, log, state;
};

// Waits for a pod started by run_pod to finish and returns its phase and log.
Finished wait_finished(Server& server, const std::string& name, std::chrono::milliseconds timeout = 60s) {
  Finished f;
  poll_until(
      [&] {
        f.phase = kubectl_get(server, {"pod", name}, "{.status.phase}");
        return f.phase == "Succeeded" || f.phase == "Failed";
      },
      timeout);
  std::string uid = kubectl_get(server, {"pod", name}, "{.metadata.uid}");
  f.log = container_log(server.data_dir(), uid, name);
  f.state = kubectl_get(server, {"pod", name}, "{.status.containerStatuses[0].state}");
  return f;
}

}  // namespace

TEST_CASE("services, NodePort, cluster DNS and NetworkPolicy with real pods on a node in its own namespace", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the services test runs pods and makes network namespaces, so it needs root");
    return;
  }
  const int pid = ::getpid();
  const std::string run = std::to_string(pid);
  // A /30 in 198.18.0.0/15 (the benchmarking range) from the pid: node .1, outside .2.
  const std::string net = "198." + std::to_string(18 + ((pid >> 14) & 1)) + "." + std::to_string((pid >> 6) & 0xff) + ".";
  const int base = (pid & 0x3f) * 4;
  const std::string node_ip = net + std::to_string(base + 1), outside_ip = net + std::to_string(base + 2);
  NetNs node_ns("mksv" + run + "n"), outside("mksv" + run + "o");
  node_ns.ip({"link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", outside.name()});
  node_ns.ip({"addr", "add", node_ip + "/30", "dev", "eth0"});
  node_ns.ip({"link", "set", "eth0", "up"});
  outside.ip({"addr", "add", outside_ip + "/30", "dev", "eth0"});
  outside.ip({"link", "set", "eth0", "up"});
  INFO("node " << node_ip << " in " << node_ns.name() << ", outside " << outside_ip << " in " << outside.name());

  ServerOptions options;
  options.agent = true;
  options.prepare = add_busybox_image;
  options.netns = "/run/netns/" + node_ns.name();
  options.extra_args = {"--node-ip", node_ip};
  Server server(options);
  const std::string node = server.node_name();
  REQUIRE(poll_until([&] { return kubectl_get(server, {"node", node}, R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 60s));
  CHECK(contains(kubectl_get(server, {"node", node}, "{.status.addresses}"), node_ip));

  // 1. Three web servers, each serving its own hostname, behind a NodePort Service.
  RunResult create = server.kubectl({"create", "deployment", "web", "--image", kBusyboxImage, "--replicas", "3", "--port", "8080", "--", "sh", "-c",
                                     "mkdir -p /www && echo \"hello from $(cat /etc/hostname)\" > /www/index.html && "
                                     // PID 1 ignores SIGTERM unless it handles it: without the trap each
                                     // pod would take its 30 s grace period to stop.
                                     "trap 'exit 0' TERM; busybox httpd -f -p 8080 -h /www & wait"});
  INFO(create);
  REQUIRE(create.ok());
  RunResult expose = server.kubectl({"expose", "deployment", "web", "--port", "80", "--target-port", "8080", "--type", "NodePort"});
  INFO(expose);
  REQUIRE(expose.ok());
  REQUIRE(server.kubectl({"apply", "-f", server.write("headless.yaml", R"(apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
)")}).ok());

  std::vector<std::string> pods, ips;
  bool running = poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "pods", "-l", "app=web", "-o",
                                      R"(jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.podIP}{"\n"}{end})"});
        pods.clear();
        ips.clear();
        for (const auto& line : split_lines(r.out)) {
          auto w = words(line);
          if (w.size() == 3 && w[1] == "Running") {
            pods.push_back(w[0]);
            ips.push_back(w[2]);
          }
        }
        return pods.size() == 3;
      },
      60s);
  INFO(server.kubectl({"get", "pods", "-o", "wide"}).out);
  REQUIRE(running);
  const std::string cluster_ip = kubectl_get(server, {"svc", "web"}, "{.spec.clusterIP}");
  const std::string node_port = kubectl_get(server, {"svc", "web"}, "{.spec.ports[0].nodePort}");
  INFO("web: clusterIP " << cluster_ip << ", nodePort " << node_port << ", pods " << pods[0] << " " << pods[1] << " " << pods[2]);
  REQUIRE(!cluster_ip.empty());
  REQUIRE(!node_port.empty());
  // The Service's endpoints are all three pods before anything is sent to it.
  CHECK(poll_until([&] { return words(kubectl_get(server, {"endpointslices", "-l", "kubernetes.io/service-name=web"},
                                          "{.items[*].endpoints[*].addresses[0]}")).size() == 3; }, 30s));

  // 2. and 4. at once: a pod spreading 30 requests over the ClusterIP, and a pod asking the DNS.
  REQUIRE(run_pod(server, "spread",
                  "i=0; while [ $i -lt 30 ]; do " + http_get(cluster_ip, "80") + "; i=$((i+1)); done").ok());
  REQUIRE(run_pod(server, "lookup",
                  "cat /etc/resolv.conf; echo '--- fqdn'; nslookup web.default.svc.cluster.local; "
                  "echo '--- headless'; nslookup web-headless.default.svc.cluster.local; "
                  "echo '--- short'; nslookup kubernetes; echo '--- end'").ok());

  // 3. NodePort from outside the node, while those run.
  std::string outside_reply;
  bool outside_ok = poll_until(
      [&] {
        outside.exec({"/usr/bin/busybox", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /usr/bin/busybox nc -w 2 " + node_ip + " " + node_port},
                     &outside_reply);
        return contains(outside_reply, "hello from web-");
      },
      20s);
  {
    INFO("outside -> " << node_ip << ":" << node_port << " answered: " << outside_reply);
    CHECK(outside_ok);
    bool one_of_ours = false;
    for (const auto& p : pods) one_of_ours = one_of_ours || contains(outside_reply, "hello from " + p + "\n");
    CHECK(one_of_ours);
  }

  {
    Finished spread = wait_finished(server, "spread");
    INFO("spread: " << spread.phase << " " << spread.state << "\n" << spread.log);
    CHECK(spread.phase == "Succeeded");
    for (const auto& p : pods) CHECK(contains(spread.log, "hello from " + p + "\n"));
  }

  {
    Finished lookup = wait_finished(server, "lookup");
    INFO("lookup: " << lookup.phase << " " << lookup.state << "\n" << lookup.log);
    const std::string& log = lookup.log;
    CHECK(lookup.phase == "Succeeded");
    CHECK(contains(log, "nameserver " + server.ranges().cluster_dns));
    CHECK(contains(log, "search default.svc.cluster.local svc.cluster.local cluster.local"));
    CHECK(contains(log, "options ndots:5"));
    auto section = [&](const std::string& from, const std::string& to) {
      auto a = log.find("--- " + from), b = log.find("--- " + to);
      return a == std::string::npos || b == std::string::npos || b < a ? std::string() : log.substr(a, b - a);
    };
    std::string fqdn = section("fqdn", "headless"), headless = section("headless", "short");
    // busybox 1.35's nslookup applies the search list only to names without a dot (so
    // "kubernetes.default" is asked as is, and is not a cluster name); a bare name goes through it.
    std::string short_name = section("short", "end");
    CHECK(contains(fqdn, "Address: " + cluster_ip + "\n"));
    for (const auto& ip : ips) CHECK(contains(headless, "Address: " + ip + "\n"));
    CHECK(!contains(headless, cluster_ip));
    // The kubernetes Service is the first address of the service range.
    std::string svc_base = server.ranges().service_cidr.substr(0, server.ranges().service_cidr.find('/'));
    std::string api_ip = svc_base.substr(0, svc_base.rfind('.') + 1) + "1";
    CHECK(contains(short_name, "kubernetes.default.svc.cluster.local"));
    CHECK(contains(short_name, "Address: " + api_ip + "\n"));
  }

  // 5. A NetworkPolicy admitting only role=client pods to the web pods.
  REQUIRE(server.kubectl({"apply", "-f", server.write("policy.yaml", R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-clients-only}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {matchLabels: {role: client}}
)")}).ok());
  const std::string probe = "i=0; while [ $i -lt 3 ]; do " + http_get(cluster_ip, "80") + "; echo \"rc=$?\"; i=$((i+1)); done";
  REQUIRE(run_pod(server, "allowed", probe, "role=client").ok());
  REQUIRE(run_pod(server, "stranger", probe).ok());
  {
    Finished allowed = wait_finished(server, "allowed");
    INFO("allowed (role=client): " << allowed.phase << " " << allowed.state << "\n" << allowed.log);
    CHECK(allowed.phase == "Succeeded");
    CHECK(contains(allowed.log, "hello from web-"));
  }
  {
    Finished stranger = wait_finished(server, "stranger");
    INFO("stranger (no label): " << stranger.phase << " " << stranger.state << "\n" << stranger.log);
    CHECK(stranger.phase == "Succeeded");
    CHECK(split_lines(stranger.log).size() >= 3);  // the three attempts ran to their end
    CHECK(!contains(stranger.log, "hello from"));
  }
}
