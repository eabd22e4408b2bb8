// The kubelet's pod worker end to end: a server, an agent running as root with its own data
// dir, a busybox image imported from <data-dir>/agent/images at agent start (airgap), and pods
// created with kubectl: one that runs and becomes Ready, one that exits 3 and ends Failed, an
// image that is not there under imagePullPolicy Never, and deletion that stops the container
// before the object goes away. Nothing of the pods is left at the end.

#include <catch2/catch.hpp>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "e2e/harness.h"
#include "e2e/netns_lab.h"
#include "runtime/pod/runtime.h"
#include "runtime_image/test_support.h"

using namespace mk::e2e;

namespace {

const char kImage[] = "busybox.local/test:1";

std::string server_dir(const Server& server) { return std::filesystem::path(server.kubeconfig()).parent_path().string(); }

std::string join_token(const Server& server) {
  std::string t = read_file(server_dir(server) + "/data/server/token");
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

// Shim processes whose command line names `dir` (their pod dirs are under it).
int shims_under(const std::string& dir) {
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = read_file(entry.path().string() + "/cmdline");
    if (contains(cmdline, "minikube-shim") && contains(cmdline, dir)) ++found;
  }
  return found;
}

size_t pod_dirs(const std::string& data_dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(data_dir + "/agent/pods", ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++n;
  return n;
}

// An agent with its own data dir. Destroyed, it stops the agent and then removes what it left
// (a failed test must not leave containers, devices or cgroups behind).
struct Node {
  std::string data_dir;
  std::string name = "e2e-kubelet-" + std::to_string(::getpid());
  std::unique_ptr<Process> agent;
  ~Node() {
    agent.reset();
    cleanup_node(data_dir, name, "minikube");
  }
};

std::string field(Server& server, const std::string& pod, const std::string& jsonpath) {
  RunResult r = server.kubectl({"get", "pod", pod, "-o", "jsonpath=" + jsonpath});
  return r.ok() ? r.out : "";
}

}  // namespace

TEST_CASE("the kubelet runs pods bound to its node, reports their status and finishes deletions", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the kubelet test runs pods and needs root (namespaces, mounts, cgroups)");
    return;
  }
  // The server and the agent run in a network namespace of the test's own, so the pod network
  // (bridge, nftables table, ip_forward) never touches the host's; deleting it removes them.
  NetNs netns("mkkubelet-" + std::to_string(::getpid()));
  const std::string netns_path = "/run/netns/" + netns.name();
  ServerOptions options;
  options.netns = netns_path;
  Server server(options);
  Node node;
  node.data_dir = server.new_dir("agent-data");
  std::string images = node.data_dir + "/agent/images";
  std::filesystem::create_directories(images);
  {
    // The image as an oci-archive, imported by the agent when it starts.
    std::string layout = server.new_dir("layout");
    mk::runtime::image::testing::build_busybox_layout(layout, kImage, false);
    std::string out;
    REQUIRE(mk::runtime::image::testing::run({"tar", "-C", layout, "-cf", images + "/busybox.tar", "."}, &out) == 0);
  }
  node.agent = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/nsenter", "--net=" + netns_path, "--", std::getenv("MINIKUBE_BIN"), "agent",
                               "--join", server.url(), "--token", join_token(server), "--node-name", node.name,
                               "--data-dir", node.data_dir, "--node-ip", "127.0.0.1",
                               // The pod network only: no service or policy tables, DNS address or port 53.
                               "--disable-kube-proxy", "--disable-network-policy", "--disable-cluster-dns"},
      std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null", node.data_dir + "/../agent.out",
      node.data_dir + "/../agent.log");
  std::string agent_log = node.data_dir + "/../agent.log";
  REQUIRE(poll_until([&] { return contains(read_file(agent_log), "joined"); }, 30s));
  INFO(read_file(agent_log));
  CHECK(contains(read_file(agent_log), "imported image " + std::string(kImage)));
  REQUIRE(poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "node", node.name, "-o", R"(jsonpath={.status.conditions[?(@.type=="Ready")].status})"});
        return r.out == "True";
      },
      30s));

  // The node lists the imported image with its digest and size, as a kubelet does.
  std::string node_images;
  CHECK(poll_until(
      [&] {
        node_images = server.kubectl({"get", "node", node.name, "-o", "jsonpath={.status.images}"}).out;
        return contains(node_images, std::string("\"") + kImage + "\"") && contains(node_images, "@sha256:") &&
               contains(node_images, "\"sizeBytes\"");
      },
      30s));
  INFO("node images: " << node_images);

  // A long-running pod: Running, Ready, its container running with ids filled in.
  RunResult run = server.kubectl({"run", "hello", "--image", kImage, "--image-pull-policy", "Never", "--command", "--",
                                  "sh", "-c", "echo hello; sleep 3600"});
  INFO(run);
  REQUIRE(run.ok());
  CHECK(poll_until([&] { return field(server, "hello", "{.status.phase}") == "Running"; }, 60s));
  CHECK(poll_until(
      [&] { return field(server, "hello", R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 30s));
  CHECK(field(server, "hello", "{.spec.nodeName}") == node.name);
  CHECK_FALSE(field(server, "hello", "{.status.containerStatuses[0].state.running.startedAt}").empty());
  CHECK(field(server, "hello", "{.status.containerStatuses[0].ready}") == "true");
  CHECK(field(server, "hello", "{.status.containerStatuses[0].restartCount}") == "0");
  CHECK(field(server, "hello", "{.status.containerStatuses[0].image}") == kImage);
  CHECK(contains(field(server, "hello", "{.status.containerStatuses[0].imageID}"), "busybox.local/test@sha256:"));
  CHECK(contains(field(server, "hello", "{.status.containerStatuses[0].containerID}"), "minikube://"));
  CHECK_FALSE(field(server, "hello", "{.status.hostIP}").empty());
  CHECK_FALSE(field(server, "hello", "{.status.startTime}").empty());
  CHECK(field(server, "hello", "{.status.qosClass}") == "BestEffort");
  // The pod's address is from the node's pod subnet (the gateway .1 is the node's).
  std::string pod_cidr = server.kubectl({"get", "node", node.name, "-o", "jsonpath={.spec.podCIDR}"}).out;
  std::string pod_ip = field(server, "hello", "{.status.podIP}");
  CHECK_FALSE(pod_ip.empty());
  CHECK(pod_ip.rfind(pod_cidr.substr(0, pod_cidr.rfind(".") + 1), 0) == 0);
  CHECK(field(server, "hello", "{.status.podIPs[0].ip}") == pod_ip);
  std::string uid = field(server, "hello", "{.metadata.uid}");
  REQUIRE_FALSE(uid.empty());
  CHECK(poll_until([&] { return contains(read_file(node.data_dir + "/agent/pods/" + uid + "/logs/hello.log"), "hello"); },
                   10s));
  CHECK(shims_under(node.data_dir) == 1);
  // Its resolv.conf as the kubelet writes it for dnsPolicy ClusterFirst (the default).
  std::string resolv = read_file(node.data_dir + "/agent/pods/" + uid + "/resolv.conf");
  INFO(resolv);
  CHECK(contains(resolv, "nameserver 10.43.0.10\n"));
  CHECK(contains(resolv, "search default.svc.cluster.local svc.cluster.local cluster.local"));
  CHECK(contains(resolv, "options ndots:5\n"));

  // A pod that exits 3 and is not restarted ends Failed.
  RunResult fail = server.kubectl({"run", "three", "--image", kImage, "--image-pull-policy", "Never", "--restart", "Never",
                                   "--command", "--", "sh", "-c", "exit 3"});
  INFO(fail);
  REQUIRE(fail.ok());
  CHECK(poll_until([&] { return field(server, "three", "{.status.phase}") == "Failed"; }, 60s));
  CHECK(field(server, "three", "{.status.containerStatuses[0].state.terminated.exitCode}") == "3");
  CHECK(field(server, "three", "{.status.containerStatuses[0].state.terminated.reason}") == "Error");
  CHECK(field(server, "three", R"({.status.conditions[?(@.type=="Ready")].status})") == "False");

  // An image that is not in the store under Never waits with ErrImageNeverPull and is not run.
  RunResult missing = server.kubectl({"run", "missing", "--image", "busybox.local/absent:1", "--image-pull-policy", "Never",
                                      "--command", "--", "sh"});
  INFO(missing);
  REQUIRE(missing.ok());
  CHECK(poll_until(
      [&] { return field(server, "missing", "{.status.containerStatuses[0].state.waiting.reason}") == "ErrImageNeverPull"; },
      30s));
  CHECK(field(server, "missing", "{.status.phase}") == "Pending");

  // Deleting stops the container (sh as PID 1 ignores SIGTERM: SIGKILL after the grace
  // period), removes the runtime pod, and the kubelet's delete with grace 0 ends the object.
  RunResult del = server.kubectl({"delete", "pod", "hello", "--grace-period", "2", "--wait=true"}, 60s);
  INFO(del);
  CHECK(del.ok());
  CHECK(server.kubectl({"get", "pod", "hello"}).exit_code == 1);
  CHECK(poll_until([&] { return !std::filesystem::exists(node.data_dir + "/agent/pods/" + uid); }, 30s));

  RunResult rest = server.kubectl({"delete", "pod", "three", "missing", "--grace-period", "1", "--wait=true"}, 60s);
  INFO(rest);
  CHECK(rest.ok());
  CHECK(poll_until([&] { return pod_dirs(node.data_dir) == 0 && shims_under(node.data_dir) == 0; }, 30s));
  RunResult left = server.kubectl({"get", "pods", "-o", "name"});
  CHECK(left.out.empty());

  // Deleting a namespace stops and removes its running pods before the namespace goes.
  REQUIRE(server.kubectl({"create", "namespace", "doomed"}).ok());
  REQUIRE(poll_until([&] { return server.kubectl({"get", "serviceaccount", "default", "-n", "doomed"}).ok(); }, 30s));
  REQUIRE(server.kubectl({"run", "victim", "-n", "doomed", "--image", kImage, "--image-pull-policy", "Never",
                          "--command", "--", "sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"})
              .ok());
  CHECK(poll_until(
      [&] { return server.kubectl({"get", "pod", "victim", "-n", "doomed", "-o", "jsonpath={.status.phase}"}).out == "Running"; },
      60s));
  CHECK(pod_dirs(node.data_dir) == 1);
  RunResult ns = server.kubectl({"delete", "namespace", "doomed", "--timeout=60s"}, 90s);
  INFO(ns);
  CHECK(ns.ok());
  CHECK(server.kubectl({"get", "namespace", "doomed"}).exit_code == 1);
  CHECK(poll_until([&] { return pod_dirs(node.data_dir) == 0 && shims_under(node.data_dir) == 0; }, 30s));

  CHECK(node.agent->stop());
  CHECK(node.agent->exit_code() == 0);
}
