// Two nodes over VXLAN, as root, entirely inside network namespaces made for the run: the server
// (without an agent of its own) in one, and two agents (`minikube agent --join ... --node-ip
// ...`, separate data dirs and cgroup roots) each in their own, joined by a test bridge in the
// server's namespace. Each node publishes flannel's annotations; a web pod pinned to each node is
// fetched by a client pod on the other one, across the VXLAN tunnel. Deleting the namespaces at
// the end removes every device and table the agents made.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>

#include "e2e/busybox_pods.h"
#include "e2e/harness.h"
#include "e2e/netns_lab.h"

using namespace mk::e2e;

namespace {

// An agent in its own namespace; destroyed, it stops and its pods and cgroups are removed (its
// devices go with the namespace).
struct Agent {
  std::string name, ip, data_dir;
  std::unique_ptr<Process> process;
  ~Agent() {
    process.reset();
    if (!data_dir.empty()) cleanup_node(data_dir, name, "minikube-" + name);
  }
};

std::string pod_manifest(const std::string& name, const std::string& node, const std::string& command) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  nodeName: " + node +
         "\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n    image: " + kBusyboxImage +
         "\n    imagePullPolicy: Never\n    command: [\"sh\", \"-c\", " + command + "]\n---\n";
}

}  // namespace

TEST_CASE("pods on two agents in separate namespaces reach each other over VXLAN", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the multi-node test makes network namespaces, devices and pods, so it needs root");
    return;
  }
  const std::string run = std::to_string(::getpid());
  NetNs s("mkmn" + run + "s"), a("mkmn" + run + "a"), b("mkmn" + run + "b");
  // The "physical" network: a bridge in the server's namespace, one veth to each agent's.
  s.ip({"link", "add", "br0", "type", "bridge"});
  s.ip({"addr", "add", "192.168.200.1/24", "dev", "br0"});
  s.ip({"link", "set", "br0", "up"});
  int host = 2;
  for (const NetNs* ns : {&a, &b}) {
    std::string port = "p" + std::to_string(host);
    s.ip({"link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns->name()});
    s.ip({"link", "set", port, "master", "br0", "up"});
    ns->ip({"addr", "add", "192.168.200." + std::to_string(host) + "/24", "dev", "eth0"});
    ns->ip({"link", "set", "eth0", "up"});
    ++host;
  }

  ServerOptions options;
  options.netns = "/run/netns/" + s.name();
  options.bind_address = "0.0.0.0";
  options.extra_args = {"--tls-san", "192.168.200.1"};
  Server server(options);
  std::string token = read_file(server.data_dir() + "/server/token");
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  std::string join = "https://192.168.200.1:" + std::to_string(server.port());

  Agent one{"mn-a-" + run, "192.168.200.2", server.new_dir("agent-a"), nullptr};
  Agent two{"mn-b-" + run, "192.168.200.3", server.new_dir("agent-b"), nullptr};
  for (auto [agent, ns] : {std::pair{&one, &a}, std::pair{&two, &b}}) {
    add_busybox_image(agent->data_dir);
    agent->process = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/nsenter", "--net=/run/netns/" + ns->name(), "--", std::getenv("MINIKUBE_BIN"), "agent",
                                 "--join", join, "--token", token, "--node-name", agent->name, "--data-dir", agent->data_dir,
                                 "--node-ip", agent->ip, "--cgroup-root", "minikube-" + agent->name,
                                 // Only the pod network: no service, policy or DNS state.
                                 "--disable-kube-proxy", "--disable-network-policy", "--disable-cluster-dns"},
        std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null", agent->data_dir + "/agent.out",
        agent->data_dir + "/agent.log");
  }
  for (Agent* agent : {&one, &two}) {
    INFO(agent->name << " log:\n" << read_file(agent->data_dir + "/agent.log"));
    REQUIRE(poll_until(
        [&] { return kubectl_get(server, {"node", agent->name}, R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; },
        60s));
    // flannel's annotations, the VTEP MAC once the node has seen the other one.
    CHECK(poll_until(
        [&] {
          return contains(kubectl_get(server, {"node", agent->name}, "{.metadata.annotations}"), "VtepMAC");
        },
        30s));
    std::string annotations = kubectl_get(server, {"node", agent->name}, "{.metadata.annotations}");
    INFO(annotations);
    CHECK(contains(annotations, "\"flannel.alpha.coreos.com/public-ip\":\"" + agent->ip + "\""));
    CHECK(contains(annotations, "\"flannel.alpha.coreos.com/backend-type\":\"vxlan\""));
    CHECK(contains(kubectl_get(server, {"node", agent->name}, R"({.status.addresses[?(@.type=="InternalIP")].address})"), agent->ip));
  }

  std::string web = "\"mkdir -p /www && echo \\\"hello from $(cat /etc/hostname)\\\" > /www/index.html && exec busybox httpd -f -p 8080 -h /www\"";
  std::string manifests = pod_manifest("web-a", one.name, web) + pod_manifest("web-b", two.name, web);
  RunResult apply = server.kubectl({"apply", "-f", server.write("web.yaml", manifests)});
  INFO(apply);
  REQUIRE(apply.ok());
  std::string ip_a, ip_b;
  REQUIRE(poll_until(
      [&] {
        ip_a = kubectl_get(server, {"pod", "web-a"}, "{.status.podIP}");
        ip_b = kubectl_get(server, {"pod", "web-b"}, "{.status.podIP}");
        return kubectl_get(server, {"pod", "web-a"}, "{.status.phase}") == "Running" &&
               kubectl_get(server, {"pod", "web-b"}, "{.status.phase}") == "Running" && !ip_a.empty() && !ip_b.empty();
      },
      90s));
  std::string cidr_a = kubectl_get(server, {"node", one.name}, "{.spec.podCIDR}");
  std::string cidr_b = kubectl_get(server, {"node", two.name}, "{.spec.podCIDR}");
  INFO("web-a " << ip_a << " in " << cidr_a << ", web-b " << ip_b << " in " << cidr_b);
  CHECK(cidr_a != cidr_b);
  CHECK(ip_a.rfind(cidr_a.substr(0, cidr_a.rfind('.') + 1), 0) == 0);
  CHECK(ip_b.rfind(cidr_b.substr(0, cidr_b.rfind('.') + 1), 0) == 0);

  // Each node's client fetches the other node's web page.
  struct Fetch {
    std::string client, node, ip, expect;
    const Agent* agent;
  };
  for (const auto& f : {Fetch{"client-a", one.name, ip_b, "hello from web-b", &one},
                        Fetch{"client-b", two.name, ip_a, "hello from web-a", &two}}) {
    std::string fetch = "\"printf 'GET /index.html HTTP/1.0\\\\r\\\\n\\\\r\\\\n' | busybox nc -w 5 " + f.ip + " 8080\"";
    RunResult r = server.kubectl({"apply", "-f", server.write(f.client + ".yaml", pod_manifest(f.client, f.node, fetch))});
    INFO(r);
    REQUIRE(r.ok());
    std::string phase;
    CHECK(poll_until(
        [&] {
          phase = kubectl_get(server, {"pod", f.client}, "{.status.phase}");
          return phase == "Succeeded" || phase == "Failed";
        },
        60s));
    std::string uid = kubectl_get(server, {"pod", f.client}, "{.metadata.uid}");
    std::string log = container_log(f.agent->data_dir, uid, "c");
    INFO(f.client << " log: " << log);
    CHECK(phase == "Succeeded");
    CHECK(contains(log, f.expect));
  }
}
