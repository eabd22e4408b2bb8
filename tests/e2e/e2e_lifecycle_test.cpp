// The kubelet's container lifecycle end to end, as root: a server, an agent with its own data
// dir and a busybox image imported at agent start, and pods that crash (CrashLoopBackOff with
// restartCount and lastState), run out of memory (OOMKilled), fail exec and httpGet liveness
// probes (restarted, Unhealthy and Killing events), flip readiness, and run init containers in
// order. Then the agent is SIGKILLed and started again: the same containers keep running (same
// start times, no second shim), restart counts and readiness hold. All pods start at once so the
// test takes the time of the slowest, not the sum. A second case SIGKILLs a `minikube server`
// running its own agent and starts it again on the same data dir.

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "e2e/harness.h"
#include "runtime/pod/runtime.h"
#include "runtime_image/test_support.h"

using namespace mk::e2e;

namespace {

const char kImage[] = "busybox.local/life:1";

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

// An agent with its own data dir; destroyed, it stops the agent and removes, through the
// runtime, whatever pod is left (a failed test leaves no container behind).
struct Node {
  std::string data_dir;
  std::unique_ptr<Process> agent;
  ~Node() {
    agent.reset();
    mk::runtime::pod::RuntimeConfig config;
    config.data_dir = data_dir;
    mk::runtime::pod::Runtime runtime(config);
    if (auto pods = runtime.list()) {
      for (const auto& p : *pods) (void)runtime.remove_pod(p.uid);
    }
    std::error_code ec;
    for (const auto& h : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
      std::string root = h.path().string() + "/minikube";
      for (const char* sub : {"/kubepods/besteffort", "/kubepods/burstable", "/kubepods", ""}) {
        ::rmdir((root + sub).c_str());
      }
    }
  }
};

std::unique_ptr<Process> start_agent(const Server& server, const std::string& data_dir, const std::string& log,
                                     int kubelet_port) {
  return std::make_unique<Process>(
      std::vector<std::string>{std::getenv("MINIKUBE_BIN"), "agent", "--join", server.url(), "--token", join_token(server),
                               "--node-name", "e2e-life", "--data-dir", data_dir,
                               "--node-ip", "127.0.0.1", "--kubelet-port", std::to_string(kubelet_port),
                               // No nftables tables, DNS address or port 53 in the host's namespace from a test.
                               "--disable-kube-proxy", "--disable-network-policy", "--disable-cluster-dns",
                               "--flannel-backend", "none"},
      std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null", log + ".out", log);
}

std::string field(Server& server, const std::string& pod, const std::string& jsonpath) {
  RunResult r = server.kubectl({"get", "pod", pod, "-o", "jsonpath=" + jsonpath});
  return r.ok() ? r.out : "";
}

int number(const std::string& s) { return s.empty() ? -1 : std::atoi(s.c_str()); }

// "reason: message [component/host]" lines of the events about a pod.
std::string events_of(Server& server, const std::string& pod) {
  RunResult r = server.kubectl({"get", "events", "-o",
                                "jsonpath={range .items[?(@.involvedObject.name==\"" + pod +
                                    "\")]}{.reason}: {.message} [{.source.component}/{.source.host}]{\"\\n\"}{end}"});
  return r.out;
}

// `flags` is a host directory the test writes into; the readiness probe looks at it.
// Events are sent in the background: wait for one to show.
bool has_event(Server& server, const std::string& pod, const std::string& text) {
  return poll_until([&] { return contains(events_of(server, pod), text); }, 15s);
}

std::string manifest(const std::string& flags) {
  std::string image = kImage;
  auto pod = [&](const std::string& name, const std::string& body) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  terminationGracePeriodSeconds: 1\n" + body +
           "---\n";
  };
  auto container = [&](const std::string& name, const std::string& script) {
    return "  - name: " + name + "\n    image: " + image + "\n    imagePullPolicy: Never\n    command: [\"sh\", \"-c\", \"" +
           script + "\"]\n";
  };
  std::string out;
  out += pod("crash", "  containers:\n" + container("crash", "echo crashing; exit 1"));
  out += pod("oom", "  containers:\n" + container("hog", "busybox dd if=/dev/zero of=/dev/null bs=64M count=1") +
                        "    resources:\n      limits:\n        memory: 24Mi\n");
  out += pod("live-exec", "  containers:\n" +
                              container("app", "echo ok > /healthy; sleep 2; busybox rm /healthy; sleep 3600") +
                              "    livenessProbe:\n      exec:\n        command: [\"cat\", \"/healthy\"]\n"
                              "      initialDelaySeconds: 1\n      periodSeconds: 1\n      failureThreshold: 1\n");
  out += pod("live-http", "  containers:\n" +
                              container("web",
                                        "busybox mkdir -p /www; echo ok > /www/healthz; busybox httpd -p 8080 -h /www; "
                                        "sleep 2; busybox rm /www/healthz; sleep 3600") +
                              "    livenessProbe:\n      httpGet:\n        path: /healthz\n        port: 8080\n"
                              "      initialDelaySeconds: 1\n      periodSeconds: 1\n      failureThreshold: 1\n");
  out += pod("ready", "  volumes:\n  - name: flags\n    hostPath: {path: " + flags + "}\n  containers:\n" +
                          container("app", "sleep 3600") +
                          "    readinessProbe:\n      exec:\n        command: [\"cat\", \"/flags/ready\"]\n"
                          "      periodSeconds: 1\n    volumeMounts:\n    - {name: flags, mountPath: /flags}\n");
  out += pod("init",
             "  volumes:\n  - name: work\n    emptyDir: {}\n  initContainers:\n" +
                 container("first", "sleep 1; echo one >> /work/order") + "    volumeMounts:\n    - {name: work, mountPath: /work}\n" +
                 container("second", "echo two >> /work/order") + "    volumeMounts:\n    - {name: work, mountPath: /work}\n" +
                 "  containers:\n" + container("app", "cat /work/order; sleep 3600") +
                 "    volumeMounts:\n    - {name: work, mountPath: /work}\n");
  auto flags_volume = "  volumes:\n  - name: flags\n    hostPath: {path: " + flags + "}\n";
  auto flags_mount = "    volumeMounts:\n    - {name: flags, mountPath: /flags}\n";
  out += pod("hooks", "  containers:\n" + container("app", "sleep 3600") +
                          "    lifecycle:\n      postStart:\n        exec:\n          command: [\"sh\", \"-c\", \"exit 1\"]\n");
  out += pod("prestop", flags_volume + "  containers:\n" + container("app", "sleep 3600") + flags_mount +
                            "    lifecycle:\n      preStop:\n        exec:\n"
                            "          command: [\"sh\", \"-c\", \"echo bye > /flags/prestop\"]\n");
  out += pod("deadline", "  activeDeadlineSeconds: 2\n  containers:\n" + container("app", "sleep 3600"));
  out += pod("done", "  restartPolicy: OnFailure\n  containers:\n" + container("app", "exit 0"));
  out += pod("tcp", "  containers:\n" + container("web", "busybox httpd -f -p 8081 -h /") +
                        "    startupProbe:\n      tcpSocket: {port: 8081}\n      periodSeconds: 1\n"
                        "    readinessProbe:\n      tcpSocket: {port: web}\n      periodSeconds: 1\n"
                        "    ports:\n    - {name: web, containerPort: 8081}\n");
  out += pod("startup-fail", "  containers:\n" + container("app", "sleep 3600") +
                                 "    startupProbe:\n      exec:\n        command: [\"cat\", \"/nope\"]\n"
                                 "      periodSeconds: 1\n      failureThreshold: 2\n");
  // A registry that is not there (nothing listens on port 1): the pull fails and backs off.
  out += pod("pull", "  containers:\n  - name: app\n    image: 127.0.0.1:1/absent:1\n    imagePullPolicy: IfNotPresent\n");
  out += pod("init-wait", "  initContainers:\n" + container("wait", "sleep 3600") + "  containers:\n" +
                              container("app", "sleep 3600"));
  return out;
}

}  // namespace

TEST_CASE("the kubelet restarts, probes and initialises containers, and survives its own SIGKILL", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the lifecycle test runs pods and needs root (namespaces, mounts, cgroups)");
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
  std::string log = node.data_dir + "/../agent.log";
  const int kubelet_port = free_port();
  node.agent = start_agent(server, node.data_dir, log, kubelet_port);
  REQUIRE(poll_until([&] { return contains(read_file(log), "joined"); }, 30s));
  REQUIRE(poll_until(
      [&] {
        return server.kubectl({"get", "node", "e2e-life", "-o", R"(jsonpath={.status.conditions[?(@.type=="Ready")].status})"})
                   .out == "True";
      },
      30s));

  std::string flags = server.new_dir("flags");
  ::chmod(flags.c_str(), 0777);
  RunResult applied = server.kubectl({"apply", "-f", server.write("pods.yaml", manifest(flags))});
  INFO(applied);
  REQUIRE(applied.ok());

  SECTION("lifecycle") {
    // Init containers ran one after the other before the app container, which sees their output.
    CHECK(poll_until([&] { return field(server, "init", "{.status.phase}") == "Running"; }, 30s));
    CHECK(field(server, "init", "{.status.initContainerStatuses[*].state.terminated.reason}") == "Completed Completed");
    CHECK(field(server, "init", R"({.status.conditions[?(@.type=="Initialized")].status})") == "True");
    std::string init_uid = field(server, "init", "{.metadata.uid}");
    CHECK(poll_until([&] { return contains(read_file(node.data_dir + "/agent/pods/" + init_uid + "/logs/app.log"), "one"); }, 10s));
    std::string app_log = read_file(node.data_dir + "/agent/pods/" + init_uid + "/logs/app.log");
    CHECK(contains(app_log, "one\n"));
    CHECK(app_log.find("one") < app_log.find("two"));
    // A pod whose init container never ends stays Pending, shown as Init:0/1.
    CHECK(poll_until([&] { return contains(server.kubectl({"get", "pod", "init-wait"}).out, "Init:0/1"); }, 20s));
    CHECK(field(server, "init-wait", "{.status.phase}") == "Pending");
    CHECK(field(server, "init-wait", "{.status.containerStatuses[0].state.waiting.reason}") == "PodInitializing");

    // A crashing container is restarted at once, then backs off: CrashLoopBackOff.
    CHECK(poll_until(
        [&] { return field(server, "crash", "{.status.containerStatuses[0].state.waiting.reason}") == "CrashLoopBackOff"; },
        30s));
    CHECK(number(field(server, "crash", "{.status.containerStatuses[0].restartCount}")) >= 1);
    CHECK(contains(field(server, "crash", "{.status.containerStatuses[0].state.waiting.message}"),
                   "back-off 10s restarting failed container=crash pod=crash_default("));
    CHECK(field(server, "crash", "{.status.containerStatuses[0].lastState.terminated.exitCode}") == "1");
    CHECK(field(server, "crash", "{.status.phase}") == "Running");
    RunResult table = server.kubectl({"get", "pod", "crash"});
    CHECK(contains(table.out, "CrashLoopBackOff"));
    std::string crash_uid = field(server, "crash", "{.metadata.uid}");
    CHECK(contains(read_file(node.data_dir + "/agent/pods/" + crash_uid + "/logs/crash.previous.log"), "crashing"));
    RunResult previous = server.kubectl({"logs", "crash", "--previous"});
    INFO(previous);
    CHECK(previous.out == "crashing\n");
    CHECK(has_event(server, "crash", "BackOff: Back-off restarting failed container crash in pod crash_default("));
    CHECK(has_event(server, "crash", "Started: Started container crash [kubelet/e2e-life]"));
    CHECK(has_event(server, "crash", "Created: Created container: crash"));
    CHECK(has_event(server, "crash", "Pulled: Container image \"" + std::string(kImage) + "\" already present on machine"));

    // Out of memory: OOMKilled as the last state once it was restarted.
    CHECK(poll_until(
        [&] { return field(server, "oom", "{.status.containerStatuses[0].lastState.terminated.reason}") == "OOMKilled"; },
        30s));
    CHECK(field(server, "oom", "{.status.containerStatuses[0].lastState.terminated.exitCode}") == "137");

    // Failed liveness probes restart the container.
    for (const char* name : {"live-exec", "live-http"}) {
      INFO(name);
      CHECK(poll_until([&] { return number(field(server, name, "{.status.containerStatuses[0].restartCount}")) >= 1; }, 30s));
      CHECK(has_event(server, name, "Unhealthy: Liveness probe failed:"));
      std::string container = std::string(name) == "live-exec" ? "app" : "web";
      CHECK(has_event(server, name, "Killing: Container " + container + " failed liveness probe, will be restarted"));
    }
    CHECK(has_event(server, "live-http", "Liveness probe failed: HTTP probe failed with statuscode: 404"));

    // Readiness: not ready, ready once the file exists, not ready again when it is gone.
    CHECK(field(server, "ready", "{.status.phase}") == "Running");
    CHECK(field(server, "ready", R"({.status.conditions[?(@.type=="Ready")].status})") == "False");
    CHECK(field(server, "ready", "{.status.containerStatuses[0].started}") == "true");
    std::filesystem::path flag = std::filesystem::path(flags) / "ready";
    { std::ofstream(flag) << "yes\n"; }
    CHECK(poll_until([&] { return field(server, "ready", R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 20s));
    CHECK(field(server, "ready", "{.status.containerStatuses[0].ready}") == "true");
    std::filesystem::remove(flag);
    CHECK(poll_until([&] { return field(server, "ready", R"({.status.conditions[?(@.type=="Ready")].status})") == "False"; }, 20s));
    CHECK(field(server, "ready", "{.status.containerStatuses[0].ready}") == "false");
    CHECK(field(server, "ready", "{.status.containerStatuses[0].restartCount}") == "0");
    CHECK(has_event(server, "ready", "Unhealthy: Readiness probe failed:"));
    { std::ofstream(flag) << "yes\n"; }

    // A failed pull: ErrImagePull, then ImagePullBackOff.
    CHECK(poll_until(
        [&] { return field(server, "pull", "{.status.containerStatuses[0].state.waiting.reason}") == "ImagePullBackOff"; },
        20s));
    CHECK(field(server, "pull", "{.status.containerStatuses[0].state.waiting.message}") ==
          "Back-off pulling image \"127.0.0.1:1/absent:1\"");
    CHECK(has_event(server, "pull", "Pulling: Pulling image \"127.0.0.1:1/absent:1\""));
    CHECK(has_event(server, "pull", "Failed: Error: ErrImagePull"));
    CHECK(has_event(server, "pull", "BackOff: Back-off pulling image \"127.0.0.1:1/absent:1\""));

    // postStart failure: the container is killed and restarted.
    CHECK(poll_until([&] { return number(field(server, "hooks", "{.status.containerStatuses[0].restartCount}")) >= 1; }, 30s));
    CHECK(has_event(server, "hooks", "FailedPostStartHook: PostStartHook failed"));
    CHECK(has_event(server, "hooks", "Killing: FailedPostStartHook"));

    // activeDeadlineSeconds: Failed with DeadlineExceeded, its container stopped.
    CHECK(poll_until([&] { return field(server, "deadline", "{.status.phase}") == "Failed"; }, 30s));
    CHECK(field(server, "deadline", "{.status.reason}") == "DeadlineExceeded");
    CHECK(poll_until([&] { return !field(server, "deadline", "{.status.containerStatuses[0].state.terminated.exitCode}").empty(); }, 20s));

    // OnFailure with exit 0: Succeeded.
    CHECK(poll_until([&] { return field(server, "done", "{.status.phase}") == "Succeeded"; }, 30s));
    CHECK(field(server, "done", R"({.status.conditions[?(@.type=="Ready")].reason})") == "PodCompleted");
    CHECK(field(server, "done", "{.status.containerStatuses[0].restartCount}") == "0");

    // tcpSocket startup and readiness probes (a named port).
    CHECK(poll_until([&] { return field(server, "tcp", R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 20s));
    CHECK(field(server, "tcp", "{.status.containerStatuses[0].started}") == "true");

    // A startup probe that keeps failing restarts the container.
    CHECK(poll_until([&] { return number(field(server, "startup-fail", "{.status.containerStatuses[0].restartCount}")) >= 1; }, 30s));
    CHECK(field(server, "startup-fail", "{.status.containerStatuses[0].ready}") == "false");
    CHECK(has_event(server, "startup-fail", "Killing: Container app failed startup probe, will be restarted"));

    // The agent SIGKILLed and started again: the containers keep running and are adopted.
    CHECK(poll_until([&] { return field(server, "init", R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 20s));
    CHECK(poll_until([&] { return field(server, "ready", R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 20s));
    std::string init_started = field(server, "init", "{.status.containerStatuses[0].state.running.startedAt}");
    std::string ready_started = field(server, "ready", "{.status.containerStatuses[0].state.running.startedAt}");
    std::string pod_count = server.kubectl({"get", "pods", "-o", "name"}).out;
    // One shim for each pod that has not finished (deadline and done have).
    CHECK(poll_until([&] { return shims_under(node.data_dir) == 11; }, 20s));
    int shims = shims_under(node.data_dir);
    ::kill(node.agent->pid(), SIGKILL);
    CHECK(node.agent->wait_for_exit(10s));
    std::string log2 = node.data_dir + "/../agent2.log";
    node.agent = start_agent(server, node.data_dir, log2, kubelet_port);
    CHECK(poll_until([&] { return contains(read_file(log2), "adopting running pod default/init"); }, 30s));
    CHECK(poll_until([&] { return contains(read_file(log2), "adopting running pod default/ready"); }, 30s));
    // (Polled: a shim starting a container forks helpers that carry its command line a moment.)
    CHECK(poll_until([&] { return shims_under(node.data_dir) == shims; }, 10s));
    CHECK_FALSE(contains(read_file(log2), "kubelet: created pod"));
    CHECK(field(server, "init", "{.status.containerStatuses[0].state.running.startedAt}") == init_started);
    CHECK(field(server, "ready", "{.status.containerStatuses[0].state.running.startedAt}") == ready_started);
    CHECK(field(server, "init", "{.status.initContainerStatuses[*].restartCount}") == "0 0");
    CHECK(field(server, "init", R"({.status.conditions[?(@.type=="Ready")].status})") == "True");
    CHECK(field(server, "init", "{.status.phase}") == "Running");
    CHECK(field(server, "ready", R"({.status.conditions[?(@.type=="Ready")].status})") == "True");
    CHECK(number(field(server, "live-exec", "{.status.containerStatuses[0].restartCount}")) >= 1);
    CHECK(server.kubectl({"get", "pods", "-o", "name"}).out == pod_count);
    CHECK_FALSE(contains(read_file(log2), "started init container first"));
    CHECK_FALSE(contains(read_file(log2), "created pod default/init"));
  }

  RunResult del = server.kubectl({"delete", "pods", "--all", "--grace-period", "1", "--wait=true"}, 60s);
  INFO(del);
  CHECK(del.ok());
  // The preStop hook ran before the container was stopped.
  CHECK(contains(read_file(flags + "/prestop"), "bye"));
  CHECK(has_event(server, "prestop", "Killing: Stopping container app"));
  CHECK(poll_until([&] { return shims_under(node.data_dir) == 0; }, 30s));
  CHECK(node.agent->stop());
}

namespace {

// kubectl against a kubeconfig of our own (the harness's Server cannot be restarted).
std::string kubectl_out(TempDir& dir, const std::string& kubeconfig, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kubectl_binary(), "--kubeconfig", kubeconfig, "--cache-dir", dir.subdir("kcache")};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out = dir.subdir("kubectl") + "/out";
  Process p(argv, {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir.file("home")}, "/dev/null", out, out + ".err");
  if (!p.wait_for_exit(30s) || p.exit_code() != 0) return "";
  return read_file(out);
}

}  // namespace

TEST_CASE("pods outlive a SIGKILLed server with its agent and are adopted when it starts again", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the restart test runs pods and needs root (namespaces, mounts, cgroups)");
    return;
  }
  TempDir dir;
  std::filesystem::create_directories(dir.file("home"));
  Node node;
  node.data_dir = dir.file("data");
  std::string images = node.data_dir + "/agent/images";
  std::filesystem::create_directories(images);
  {
    std::string layout = dir.subdir("layout");
    mk::runtime::image::testing::build_busybox_layout(layout, kImage, false);
    std::string out;
    REQUIRE(mk::runtime::image::testing::run({"tar", "-C", layout, "-cf", images + "/busybox.tar", "."}, &out) == 0);
  }
  std::string kubeconfig = dir.file("kubeconfig");
  std::vector<std::string> argv = {std::getenv("MINIKUBE_BIN"), "server", "--config", dir.write("config.yaml", ""),
                                   "--data-dir", node.data_dir, "--node-name", "e2e-restart", "--bind-address",
                                   "127.0.0.1", "--https-listen-port", std::to_string(free_port()),
                                   "--write-kubeconfig", kubeconfig, "--node-ip", "127.0.0.1", "--kubelet-port",
                                   std::to_string(free_port()), "--disable-kube-proxy", "--disable-network-policy",
                                   "--disable-cluster-dns", "--flannel-backend", "none"};
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + dir.file("home")};
  auto kubectl = [&](const std::vector<std::string>& args) { return kubectl_out(dir, kubeconfig, args); };
  auto field = [&](const std::string& pod, const std::string& path) {
    return kubectl({"get", "pod", pod, "-o", "jsonpath=" + path});
  };
  node.agent = std::make_unique<Process>(argv, env, "/dev/null", dir.file("server1.out"), dir.file("server1.log"));
  REQUIRE(poll_until([&] { return contains(read_file(dir.file("server1.log")), "joined"); }, 60s));
  std::string pods =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: steady\nspec:\n  terminationGracePeriodSeconds: 1\n"
      "  initContainers:\n  - name: first\n    image: " + std::string(kImage) + "\n    imagePullPolicy: Never\n"
      "    command: [\"true\"]\n  containers:\n  - name: app\n    image: " + std::string(kImage) +
      "\n    imagePullPolicy: Never\n    command: [\"sleep\", \"3600\"]\n"
      "    readinessProbe:\n      exec:\n        command: [\"true\"]\n      periodSeconds: 1\n";
  REQUIRE(poll_until([&] { return !kubectl({"apply", "-f", dir.write("pods.yaml", pods)}).empty(); }, 30s));
  CHECK(poll_until([&] { return field("steady", R"({.status.conditions[?(@.type=="Ready")].status})") == "True"; }, 60s));
  std::string started = field("steady", "{.status.containerStatuses[0].state.running.startedAt}");
  std::string uid = field("steady", "{.metadata.uid}");
  CHECK_FALSE(started.empty());
  CHECK(poll_until([&] { return shims_under(node.data_dir) == 1; }, 10s));

  ::kill(node.agent->pid(), SIGKILL);
  REQUIRE(node.agent->wait_for_exit(10s));
  CHECK(shims_under(node.data_dir) == 1);  // the pod runs on without minikube
  node.agent = std::make_unique<Process>(argv, env, "/dev/null", dir.file("server2.out"), dir.file("server2.log"));
  CHECK(poll_until([&] { return contains(read_file(dir.file("server2.log")), "adopting running pod default/steady"); }, 60s));
  INFO(read_file(dir.file("server2.log")));
  CHECK(poll_until([&] { return field("steady", "{.metadata.uid}") == uid; }, 30s));
  CHECK(poll_until([&] { return shims_under(node.data_dir) == 1; }, 10s));
  CHECK(field("steady", "{.status.containerStatuses[0].state.running.startedAt}") == started);
  CHECK(field("steady", "{.status.containerStatuses[0].restartCount}") == "0");
  CHECK(field("steady", "{.status.initContainerStatuses[0].restartCount}") == "0");
  CHECK(field("steady", R"({.status.conditions[?(@.type=="Ready")].status})") == "True");
  CHECK(field("steady", "{.status.phase}") == "Running");
  CHECK(kubectl({"get", "pods", "-o", "name"}) == "pod/steady\n");
  CHECK_FALSE(contains(read_file(dir.file("server2.log")), "kubelet: created pod"));
  CHECK_FALSE(contains(read_file(dir.file("server2.log")), "started init container"));

  CHECK(poll_until([&] { return !kubectl({"delete", "pod", "steady", "--grace-period", "1", "--wait=true"}).empty(); }, 60s));
  CHECK(poll_until([&] { return shims_under(node.data_dir) == 0; }, 30s));
  CHECK(node.agent->stop());
}
