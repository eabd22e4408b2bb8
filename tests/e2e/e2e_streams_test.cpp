// kubectl logs, exec and attach, and the Python client, through the API server to the kubelet
// of an agent (root: it runs pods). The agent serves its kubelet port on a free port and
// reports 127.0.0.1 as its address, so all traffic stays on loopback. The kubelet port itself
// answers only the API server: 401 without a client certificate, 403 for another user.

#include <catch2/catch.hpp>

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "e2e/harness.h"
#include "runtime/pod/runtime.h"
#include "runtime_image/test_support.h"

using namespace mk::e2e;

namespace {

const char kImage[] = "busybox.local/streams:1";

std::string server_dir(const Server& server) { return std::filesystem::path(server.kubeconfig()).parent_path().string(); }

std::string join_token(const Server& server) {
  std::string t = read_file(server_dir(server) + "/data/server/token");
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

// An agent with its own data dir; destroyed, it stops the agent and removes its pods through
// the runtime, so a failed test leaves no containers behind.
struct Node {
  std::string data_dir;
  std::unique_ptr<Process> agent;
  ~Node() {
    agent.reset();
    mk::runtime::pod::RuntimeConfig config;
    config.data_dir = data_dir;
    config.cgroup_root = cgroup_root();
    mk::runtime::pod::Runtime runtime(config);
    if (auto pods = runtime.list()) {
      for (const auto& p : *pods) (void)runtime.remove_pod(p.uid);
    }
    std::error_code ec;
    for (const auto& h : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
      std::string root = h.path().string() + "/" + cgroup_root();
      for (const char* sub : {"/kubepods/besteffort", "/kubepods/burstable", "/kubepods", ""}) ::rmdir((root + sub).c_str());
    }
  }
  static std::string cgroup_root() { return "minikube"; }
};

std::string field(Server& server, const std::string& pod, const std::string& jsonpath) {
  RunResult r = server.kubectl({"get", "pod", pod, "-o", "jsonpath=" + jsonpath});
  return r.ok() ? r.out : "";
}

bool running(Server& server, const std::string& pod) { return field(server, pod, "{.status.phase}") == "Running"; }

std::vector<std::string> run_pod(const std::string& name, const std::string& script, bool never_restart) {
  std::vector<std::string> args = {"run", name, "--image", kImage, "--image-pull-policy", "Never"};
  if (never_restart) args.insert(args.end(), {"--restart", "Never"});
  args.insert(args.end(), {"--command", "--", "sh", "-c", script});
  return args;
}

int kubelet_status(int port, const std::string& ca, const std::string& cert, const std::string& key) {
  std::unique_ptr<httplib::SSLClient> cli =
      cert.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                   : std::make_unique<httplib::SSLClient>("127.0.0.1", port, cert, key);
  cli->set_ca_cert_path(ca.c_str());
  cli->enable_server_certificate_verification(true);
  cli->set_connection_timeout(5, 0);
  auto res = cli->Get("/containerLogs/default/talker/talker");
  return res ? res->status : 0;
}

}  // namespace

TEST_CASE("kubectl logs, exec and attach reach the pod's kubelet through the API server", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the streams test runs pods and needs root (namespaces, mounts, cgroups)");
    return;
  }
  Server server;
  Node node;
  node.data_dir = server.new_dir("agent-data");
  std::string images = node.data_dir + "/agent/images";
  std::filesystem::create_directories(images);
  {
    std::string layout = server.new_dir("layout");
    mk::runtime::image::testing::build_busybox_layout(layout, kImage, false);
    std::string out;
    REQUIRE(mk::runtime::image::testing::run({"tar", "-C", layout, "-cf", images + "/busybox.tar", "."}, &out) == 0);
  }
  int kubelet_port = free_port();
  std::string agent_log = node.data_dir + "/../agent.log";
  node.agent = std::make_unique<Process>(
      std::vector<std::string>{std::getenv("MINIKUBE_BIN"), "agent", "--join", server.url(), "--token", join_token(server),
                               "--node-name", "e2e-streams", "--data-dir", node.data_dir, "--node-ip", "127.0.0.1",
                               "--kubelet-port", std::to_string(kubelet_port), "--disable-kube-proxy",
                               "--disable-network-policy", "--disable-cluster-dns", "--flannel-backend", "none"},
      std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null", node.data_dir + "/../agent.out",
      agent_log);
  REQUIRE(poll_until([&] { return contains(read_file(agent_log), "joined"); }, 30s));
  INFO(read_file(agent_log));
  REQUIRE(poll_until(
      [&] {
        return server.kubectl({"get", "node", "e2e-streams", "-o", R"(jsonpath={.status.conditions[?(@.type=="Ready")].status})"})
                   .out == "True";
      },
      30s));
  CHECK(server.kubectl({"get", "node", "e2e-streams", "-o", "jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}"}).out ==
        std::to_string(kubelet_port));

  // Pods: one printing numbered lines and then waiting, one that ends when told to, one ticking.
  REQUIRE(server.kubectl(run_pod("lines", "for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; sleep 3600", false)).ok());
  REQUIRE(server.kubectl(run_pod("follow", "echo first; while [ ! -f /go ]; do sleep 0.1; done; echo second; sleep 0.5", true)).ok());
  REQUIRE(server.kubectl(run_pod("talker", "while [ ! -f /go ]; do echo tick; sleep 0.2; done; echo bye; sleep 0.5", true)).ok());
  REQUIRE(server.kubectl(run_pod("crasher", "echo run; exit 1", false)).ok());
  REQUIRE(poll_until([&] { return running(server, "lines") && running(server, "follow") && running(server, "talker"); }, 60s));

  {  // logs
    RunResult all;
    REQUIRE(poll_until([&] { return contains((all = server.kubectl({"logs", "lines"})).out, "oops"); }, 10s));
    CHECK(all.out == "line1\nline2\nline3\nline4\nline5\noops\n");
    RunResult tail = server.kubectl({"logs", "lines", "--tail", "2"});
    CHECK(tail.out == "line5\noops\n");
    RunResult stamped = server.kubectl({"logs", "lines", "--timestamps", "--tail", "1"});
    INFO(stamped);
    auto parts = words(stamped.out);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].size() == 30);  // 2024-05-01T10:00:00.123456789Z
    CHECK(parts[0].back() == 'Z');
    CHECK(parts[1] == "oops");
    CHECK(server.kubectl({"logs", "lines", "--limit-bytes", "8"}).out == "line1\nli");
    RunResult missing = server.kubectl({"logs", "nosuch"});
    CHECK(missing.exit_code == 1);
    CHECK(contains(missing.err, "pods \"nosuch\" not found"));
    RunResult previous = server.kubectl({"logs", "lines", "--previous"});
    CHECK(previous.exit_code == 1);
    CHECK(contains(previous.err, "previous terminated container \"lines\" in pod \"lines\" not found"));

    // --previous: the run before the last restart.
    REQUIRE(poll_until(
        [&] {
          std::string restarts = field(server, "crasher", "{.status.containerStatuses[0].restartCount}");
          return !restarts.empty() && restarts != "0";
        },
        40s));
    RunResult before = server.kubectl({"logs", "crasher", "--previous"});
    INFO(before);
    CHECK(before.ok());
    CHECK(before.out == "run\n");

    // -f: sees what the container writes after it started, ends when the container does.
    auto follow = server.kubectl_background({"logs", "-f", "follow"});
    REQUIRE(poll_until([&] { return contains(follow->out(), "first"); }, 10s));
    CHECK_FALSE(contains(follow->out(), "second"));
    RunResult go = server.kubectl({"exec", "follow", "--", "sh", "-c", "echo > /go"});
    INFO(go);
    INFO(read_file(agent_log));
    REQUIRE(go.ok());
    CHECK(poll_until([&] { return !follow->running(); }, 15s));
    RunResult followed = follow->stop();
    CHECK(followed.out == "first\nsecond\n");
  }

  {  // exec
    RunResult hi = server.kubectl({"exec", "lines", "--", "echo", "hi"});
    INFO(hi);
    CHECK(hi.ok());
    CHECK(hi.out == "hi\n");
    RunResult piped = server.kubectl({"exec", "-i", "lines", "--", "sh", "-c", "cat; echo done >&2"}, 30s, "piped input\n");
    INFO(piped);
    CHECK(piped.ok());
    CHECK(piped.out == "piped input\n");
    CHECK(contains(piped.err, "done"));
    RunResult three = server.kubectl({"exec", "lines", "--", "sh", "-c", "exit 3"});
    INFO(three);
    CHECK(three.exit_code == 3);
    CHECK(contains(three.err, "command terminated with exit code 3"));
    RunResult bad = server.kubectl({"exec", "lines", "-c", "nosuch", "--", "true"});
    INFO(bad);
    CHECK(bad.exit_code == 1);
    CHECK(contains(bad.err, "container nosuch is not valid for pod lines"));
  }

  {  // attach
    auto attach = server.kubectl_background({"attach", "talker"});
    REQUIRE(poll_until([&] { return contains(attach->out(), "tick"); }, 15s));
    REQUIRE(server.kubectl({"exec", "talker", "--", "sh", "-c", "echo > /go"}).ok());
    CHECK(poll_until([&] { return !attach->running(); }, 15s));
    RunResult attached = attach->stop();
    INFO(attached);
    CHECK(contains(attached.out, "bye"));
  }

  {  // kubectl run -i: a new pod with stdin open, attached to as soon as it runs
    RunResult r = server.kubectl({"run", "reader", "-i", "--rm", "--restart=Never", "--image", kImage,
                                  "--image-pull-policy", "Never", "--command", "--", "sh", "-c", "read line; echo got $line"},
                                 90s, "hello\n");
    INFO(r);
    CHECK(r.ok());
    CHECK(contains(r.out, "got hello"));
    // stdinOnce: the end of kubectl's input is the container's.
    RunResult cat = server.kubectl({"run", "catter", "-i", "--rm", "--restart=Never", "--image", kImage,
                                    "--image-pull-policy", "Never", "--command", "--", "cat"},
                                   90s, "one\ntwo\n");
    INFO(cat);
    CHECK(cat.ok());
    CHECK(contains(cat.out, "one\ntwo\n"));
  }

  {  // the kubelet port answers only the API server
    CHECK(kubelet_status(kubelet_port, server.ca_file(), "", "") == 401);
    CHECK(kubelet_status(kubelet_port, server.ca_file(), server.client_cert_file(), server.client_key_file()) == 403);
  }

  {  // the Python client reads logs and runs exec
    std::string script = MK_STREAMS_CLIENT;
    RunResult py;
    {
      TempDir scratch;
      Process p({"/usr/bin/python3", script, server.kubeconfig(), "lines"},
                {"PATH=/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1"}, "/dev/null", scratch.file("out"), scratch.file("err"));
      REQUIRE(p.wait_for_exit(60s));
      py.exit_code = p.exit_code();
      py.out = read_file(scratch.file("out"));
      py.err = read_file(scratch.file("err"));
    }
    INFO(py);
    CHECK(py.exit_code == 0);
    CHECK(contains(py.out, "log: line1"));
    CHECK(contains(py.out, "exec: hi-from-python"));
    CHECK(contains(py.out, "exit: 3"));
    CHECK(contains(py.out, "tty: is-a-tty"));
  }

  CHECK(server.kubectl({"delete", "pod", "lines", "follow", "talker", "crasher", "--grace-period", "1", "--wait=true"}, 60s).ok());
  CHECK(node.agent->stop());
}
