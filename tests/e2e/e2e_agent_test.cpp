// `minikube agent --join URL --token T` against the built server: the node registers with its
// facts, gets a pod CIDR from the server and holds a Lease; a token whose CA hash does not
// match the server's CA is refused.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "e2e/harness.h"

using namespace mk::e2e;

namespace {

std::string server_dir(const Server& server) { return std::filesystem::path(server.kubeconfig()).parent_path().string(); }

std::string join_token(const Server& server) {
  std::string t = read_file(server_dir(server) + "/data/server/token");
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

// Stops an agent, then removes what it left on the host (pods, pod network, cgroups).
struct AgentGuard {
  std::unique_ptr<Process> process;
  std::string dir, node;
  ~AgentGuard() {
    process.reset();
    cleanup_node(dir, node, "minikube");
  }
  Process* operator->() { return process.get(); }
};

std::unique_ptr<Process> start_agent(Server& server, const std::string& node, const std::string& token,
                                     std::string* dir_out = nullptr) {
  std::string dir = server.new_dir("agent-" + node);
  if (dir_out) *dir_out = dir;
  std::vector<std::string> argv = {std::getenv("MINIKUBE_BIN"), "agent",       "--join",     server.url(), "--token", token,
                                   "--node-name",               node,          "--data-dir", dir,
                                   // No nftables tables, pod network, DNS address or port 53 in the host's namespace from a test.
                                   "--disable-kube-proxy", "--disable-network-policy", "--disable-cluster-dns",
                                   "--flannel-backend", "none"};
  return std::make_unique<Process>(argv, std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null",
                                   dir + "/agent.out", dir + "/agent.log");
}

std::string node_field(Server& server, const std::string& node, const std::string& jsonpath) {
  RunResult r = server.kubectl({"get", "node", node, "-o", "jsonpath=" + jsonpath});
  return r.ok() ? r.out : "";
}

}  // namespace

TEST_CASE("agents join with the server's token, report their node and get distinct pod CIDRs") {
  Server server;
  std::string token = join_token(server);
  REQUIRE(token.rfind("K10", 0) == 0);
  // Node names (and so the names of their bridges) unique to this run.
  const std::string n1 = "e2e-agent-1-" + std::to_string(::getpid()), n2 = "e2e-agent-2-" + std::to_string(::getpid());
  AgentGuard one, two;
  one.node = n1;
  one.process = start_agent(server, n1, token, &one.dir);
  two.node = n2;
  two.process = start_agent(server, n2, token, &two.dir);

  // The pod CIDRs come from the server's --cluster-cidr (10.N.0.0/16 for this run).
  std::string cluster = server.ranges().cluster_cidr;
  std::regex pod_cidr(std::regex_replace(cluster.substr(0, cluster.find(".0.0/")), std::regex(R"(\.)"), R"(\.)") +
                      R"(\.\d+\.0/24)");
  for (const std::string& node : {n1, n2}) {
    INFO(node);
    CHECK(poll_until([&] { return node_field(server, node, R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; },
                     30s));
    CHECK(poll_until([&] { return !node_field(server, node, "{.spec.podCIDR}").empty(); }, 30s));
    CHECK(std::regex_match(node_field(server, node, "{.spec.podCIDR}"), pod_cidr));
    CHECK(node_field(server, node, "{.status.nodeInfo.kubeletVersion}") == "v1.32.0+minikube");
    CHECK(node_field(server, node, "{.status.nodeInfo.operatingSystem}") == "linux");
    CHECK_FALSE(node_field(server, node, "{.status.nodeInfo.bootID}").empty());
    CHECK_FALSE(node_field(server, node, "{.status.capacity.cpu}").empty());
    CHECK(node_field(server, node, "{.status.allocatable.pods}") == "110");
    RunResult lease = server.kubectl({"get", "lease", node, "-n", "kube-node-lease", "-o", "jsonpath={.spec.holderIdentity}"});
    CHECK(lease.out == node);
  }
  CHECK(node_field(server, n1, "{.spec.podCIDR}") != node_field(server, n2, "{.spec.podCIDR}"));

  // `kubectl get nodes` shows both Ready.
  RunResult nodes = server.kubectl({"get", "nodes"});
  INFO(nodes);
  CHECK(has_line_starting(nodes.out, n1 + " Ready"));
  CHECK(has_line_starting(nodes.out, n2 + " Ready"));

  // SIGTERM stops an agent cleanly.
  CHECK(one->stop());
  CHECK(one->exit_code() == 0);
  CHECK(two->stop());
}

TEST_CASE("an agent refuses a server whose CA does not match the token") {
  Server server;
  std::string token = join_token(server);
  // Flip one hex digit of the CA hash.
  token[3] = token[3] == '0' ? '1' : '0';
  std::string dir;
  auto agent = start_agent(server, "e2e-agent-bad", token, &dir);
  REQUIRE(agent->wait_for_exit(30s));
  CHECK(agent->exit_code() == 1);
  std::string log = read_file(dir + "/agent.log");
  INFO(log);
  CHECK(contains(log, "the server's CA does not match the hash in the token"));
  RunResult nodes = server.kubectl({"get", "node", "e2e-agent-bad"});
  CHECK(nodes.exit_code == 1);
}
