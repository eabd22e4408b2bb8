// The pod network end to end, as root: a server with its own agent (per-run node name, pod and
// service ranges, cgroup root), a busybox image imported at agent start, and a Deployment of two
// web servers. Both pods run with distinct addresses from the node's podCIDR; a client pod
// fetches a page from each over pod-to-pod HTTP (busybox httpd and nc). Deleting the Deployment frees the addresses and
// removes the veths. The server and its agent run in a network namespace of the test's own, so the
// bridge, the nftables table and ip_forward never touch the host's network; deleting the
// namespace removes them.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <regex>

#include "agent/network/names.h"
#include "e2e/busybox_pods.h"
#include "e2e/harness.h"
#include "e2e/netns_lab.h"

using namespace mk::e2e;

namespace {

bool link_exists(const NetNs& ns, const std::string& name) { return ns.exec({"ip", "link", "show", name}) == 0; }

size_t address_files(const std::string& data_dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(data_dir + "/agent/network/ipam", ec)) {
    std::string name = e.path().filename();
    if (name != "last_reserved" && name[0] != '.') ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("pods of a deployment get addresses from the node's podCIDR and talk to each other", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the pod network test runs pods and creates devices, so it needs root");
    return;
  }
  NetNs netns("mknet-e2e-" + std::to_string(::getpid()));
  ServerOptions options;
  options.agent = true;
  options.prepare = add_busybox_image;
  options.netns = "/run/netns/" + netns.name();
  // Only the pod network: no service, policy or DNS.
  options.extra_args = {"--disable-kube-proxy", "--disable-network-policy", "--disable-cluster-dns"};
  Server server(options);
  const std::string node = server.node_name();
  auto names = mk::agent::network::node_names(node);
  REQUIRE(poll_until([&] { return kubectl_get(server, {"node", node}, R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 60s));
  std::string pod_cidr = kubectl_get(server, {"node", node}, "{.spec.podCIDR}");
  INFO("podCIDR " << pod_cidr << ", cluster CIDR " << server.ranges().cluster_cidr);
  std::string prefix = pod_cidr.substr(0, pod_cidr.rfind('.') + 1);  // "10.N.M."
  REQUIRE(server.ranges().cluster_cidr.rfind(prefix.substr(0, prefix.find('.', 3) + 1), 0) == 0);
  CHECK(poll_until([&] { return link_exists(netns, names.bridge); }, 30s));
  std::string annotations = kubectl_get(server, {"node", node}, "{.metadata.annotations}");
  CHECK(contains(annotations, "\"flannel.alpha.coreos.com/backend-type\":\"vxlan\""));
  CHECK(contains(annotations, "\"flannel.alpha.coreos.com/kube-subnet-manager\":\"true\""));

  RunResult create = server.kubectl({"create", "deployment", "web", "--image", kBusyboxImage, "--replicas", "2", "--port", "8080",
                                     "--", "sh", "-c", "mkdir -p /www && echo \"hello from $(cat /etc/hostname)\" > /www/index.html && exec busybox httpd -f -p 8080 -h /www"});
  INFO(create);
  REQUIRE(create.ok());
  std::vector<std::string> ips, names_of_pods;
  bool running = poll_until(
      [&] {
        RunResult r = server.kubectl({"get", "pods", "-l", "app=web", "-o",
                                      R"(jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.status.podIP}{"\n"}{end})"});
        ips.clear();
        names_of_pods.clear();
        for (const auto& line : split_lines(r.out)) {
          auto w = words(line);
          if (w.size() == 3 && w[1] == "Running") {
            names_of_pods.push_back(w[0]);
            ips.push_back(w[2]);
          }
        }
        return ips.size() == 2;
      },
      90s);
  INFO(server.kubectl({"get", "pods", "-o", "wide"}).out);
  REQUIRE(running);
  CHECK(ips[0] != ips[1]);
  for (const auto& ip : ips) {
    CHECK(ip.rfind(prefix, 0) == 0);
    CHECK(ip != prefix + "1");  // the gateway is the node's
  }
  CHECK(address_files(server.data_dir()) == 2);

  // A client pod fetches each web server's page by pod IP.
  for (size_t i = 0; i < 2; ++i) {
    std::string client = "client-" + std::to_string(i);
    // busybox nc rather than wget: the static busybox's wget crashes in a root without NSS files.
    RunResult run = server.kubectl({"run", client, "--image", kBusyboxImage, "--restart", "Never", "--command", "--", "sh", "-c",
                                    "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 5 " + ips[i] + " 8080"});
    INFO(run);
    REQUIRE(run.ok());
    std::string phase;
    CHECK(poll_until(
        [&] {
          phase = kubectl_get(server, {"pod", client}, "{.status.phase}");
          return phase == "Succeeded" || phase == "Failed";
        },
        60s));
    std::string uid = kubectl_get(server, {"pod", client}, "{.metadata.uid}");
    std::string web_uid = kubectl_get(server, {"pod", names_of_pods[i]}, "{.metadata.uid}");
    INFO("client log: " << container_log(server.data_dir(), uid, client));
    INFO("client status: " << kubectl_get(server, {"pod", client}, "{.status.containerStatuses[0].state}"));
    INFO("web log: " << container_log(server.data_dir(), web_uid, "test"));
    CHECK(phase == "Succeeded");
    CHECK(contains(container_log(server.data_dir(), uid, client), "hello from " + names_of_pods[i]));
    CHECK(kubectl_get(server, {"pod", client}, "{.status.podIP}").rfind(prefix, 0) == 0);
  }

  // Deleting frees every address and removes every veth; the bridge stays for the next pods.
  RunResult del = server.kubectl({"delete", "deployment", "web", "--wait=true"}, 60s);
  INFO(del);
  CHECK(del.ok());
  RunResult del_pods = server.kubectl({"delete", "pods", "--all", "--grace-period", "1", "--wait=true"}, 60s);
  CHECK(del_pods.ok());
  CHECK(poll_until([&] { return address_files(server.data_dir()) == 0; }, 60s));
  CHECK(link_exists(netns, names.bridge));
}
