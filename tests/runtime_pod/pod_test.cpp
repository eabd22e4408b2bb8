// The pod runtime end to end, as root: busybox containers started by minikube-shim, exit codes
// and CRI logs, survival of the starting process's death and re-adoption, stop with a grace
// period, exec, OOM kills, log rotation, and nothing left behind after removal.

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "runtime/pod/shim_client.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace mk::runtime;
using namespace mk::runtime::test;
using namespace std::chrono_literals;

#define REQUIRE_ROOT()                                                  \
  if (!is_root()) {                                                     \
    WARN("skipped: the pod runtime tests need root (namespaces, mounts, cgroups)"); \
    return;                                                             \
  }

namespace {

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::string pipe_output(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

TEST_CASE("a container's output is logged in CRI format and its exit code recorded") {
  REQUIRE_ROOT();
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "echoer", "echo one; echo two; echo oops >&2; printf unfinished; exit 3");
  auto st = rt.run_pod(spec);
  REQUIRE(st);
  CHECK(st->shim_pid > 0);
  auto state = wait_exited(rt, spec.uid, "main");
  REQUIRE(state.phase == shim::Phase::exited);
  CHECK(state.exit_code == 3);
  CHECK(state.reason == "Error");
  CHECK(state.finished_at_ns >= state.started_at_ns);
  // The state file on disk says the same (written atomically by the shim).
  auto on_disk = shim::read_json_file(rt.pod_dir(spec.uid) + "/containers/main/state.json");
  REQUIRE(on_disk);
  CHECK((*on_disk)["exit_code"] == 3);

  // The output may still be draining when the exit is recorded; the log gets every line.
  std::string log_path = rt.log_path(spec.uid, "main");
  REQUIRE(eventually([&] { return read_file(log_path).find("unfinished") != std::string::npos; }));
  std::string raw = read_file(log_path);
  std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] [^\n]*\n)");
  CHECK(std::regex_replace(raw, line, "") == "");
  CHECK(raw.find("Z stdout F one\n") != std::string::npos);
  CHECK(raw.find("Z stdout F two\n") != std::string::npos);
  CHECK(raw.find("Z stderr F oops\n") != std::string::npos);
  CHECK(raw.find("Z stdout P unfinished\n") != std::string::npos);

  // The CLI reads the same log, and the pod's own hostname and hosts file were in place.
  auto logs = run_cli(with({"runtime", "logs", spec.uid}, sb.cli_flags()));
  CHECK(logs.code == 0);
  CHECK(logs.out.find("one\ntwo\n") != std::string::npos);
}

TEST_CASE("`runtime run` in the foreground returns the container's exit code") {
  REQUIRE_ROOT();
  Sandbox sb;
  auto r = run_cli(with({"runtime", "run"}, with(sb.cli_flags(), {"--rootfs", sb.rootfs(), "--name", "fg", "--",
                                                                   "sh", "-c", "echo hello from $(hostname); exit 3"})));
  CHECK(r.code == 3);
  CHECK(r.out.find("hello from fg\n") != std::string::npos);
  auto ps = run_cli(with({"runtime", "ps"}, sb.cli_flags()));
  CHECK(ps.code == 0);
  CHECK(ps.out.find("exited") != std::string::npos);
}

TEST_CASE("a pod outlives the process that started it and a new runtime re-adopts it") {
  REQUIRE_ROOT();
  Sandbox sb;
  std::string uid = "survivor-" + std::to_string(::getpid());
  // The CLI stays in the foreground following the container; it is SIGKILLed below.
  pid_t cli = spawn_cli(with({"runtime", "run"},
                             with(sb.cli_flags(), {"--rootfs", sb.rootfs(), "--uid", uid, "--name", "survivor",
                                                   "--grace-period", "10", "--", "sh", "-c",
                                                   "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 1; done"})));
  REQUIRE(cli > 0);
  pod::Runtime first(sb.config());
  int container_pid = 0;
  REQUIRE(eventually([&] {
    auto st = first.status(uid);
    if (!st || st->containers.empty() || st->containers[0].state.phase != shim::Phase::running) return false;
    container_pid = st->containers[0].state.pid;
    return true;
  }));
  REQUIRE(::kill(cli, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(cli, &status, 0) == cli);
  REQUIRE(WIFSIGNALED(status));

  pod::Runtime second(sb.config());
  auto live = second.recover();
  REQUIRE(live);
  REQUIRE(live->size() == 1);
  CHECK(live->front() == uid);
  auto st = second.status(uid);
  REQUIRE(st);
  REQUIRE(st->shim_pid > 0);
  REQUIRE(st->containers.size() == 1);
  CHECK(st->containers[0].state.phase == shim::Phase::running);
  CHECK(st->containers[0].state.pid == container_pid);
  CHECK(shim::process_start_time(container_pid) == st->containers[0].state.pid_start_time);
  // Most of the shim's RSS is its executable's text, shared through the page cache by every
  // shim; what each one costs on its own is its anonymous memory.
  long rss = status_kb(st->shim_pid, "VmRSS"), anon = status_kb(st->shim_pid, "RssAnon");
  WARN("minikube-shim VmRSS " << rss << " kB, of which RssAnon " << anon << " kB");
  CHECK(rss > 0);
  CHECK(rss <= 4096);
  CHECK(anon <= 1024);

  // Running the same pod again is refused: nothing runs twice.
  pod::PodSpec again = shell_pod(sb, "survivor", "true");
  again.uid = uid;
  auto dup = second.run_pod(again);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == mk::Errc::already_exists);
  auto ps = run_cli(with({"runtime", "ps", "--json"}, sb.cli_flags()));
  REQUIRE(ps.code == 0);
  auto pods = nlohmann::json::parse(ps.out);
  REQUIRE(pods.size() == 1);
  CHECK(pods[0]["containers"][0]["phase"] == "running");
  CHECK(pods[0]["shim_pid"] == st->shim_pid);

  // exec, through the library with our own pipe, and through the CLI.
  int p[2];
  REQUIRE(::pipe(p) == 0);
  pod::ExecRequest req;
  req.args = {"sh", "-c", "echo in $(hostname) as $(id -u); exit 7"};
  req.stdout_fd = p[1];
  auto code = second.exec(uid, "survivor", req);
  ::close(p[1]);
  std::string out = pipe_output(p[0]);
  ::close(p[0]);
  INFO((code ? std::string("ok") : code.error().message));
  REQUIRE(code);
  CHECK(*code == 7);
  CHECK(out == "in survivor as 0\n");
  auto cli_exec = run_cli(with({"runtime", "exec"}, with(sb.cli_flags(), {"survivor", "--", "cat", "/etc/hostname"})));
  CHECK(cli_exec.code == 0);
  CHECK(cli_exec.out == "survivor\n");
  auto tty_exec = run_cli(with({"runtime", "exec", "-t"},
                               with(sb.cli_flags(), {"survivor", "--", "sh", "-c", "[ -t 1 ] && echo on-a-tty; exit 6"})));
  CHECK(tty_exec.code == 6);
  CHECK(tty_exec.out == "on-a-tty\r\n");

  // Stop: the container handles SIGTERM and exits 0 well within the grace period.
  auto stopped = run_cli(with({"runtime", "stop", uid}, sb.cli_flags()));
  CHECK(stopped.code == 0);
  auto after = second.status(uid);
  REQUIRE(after);
  CHECK(after->shim_pid == 0);
  REQUIRE(after->containers.size() == 1);
  CHECK(after->containers[0].state.phase == shim::Phase::exited);
  CHECK(after->containers[0].state.exit_code == 0);
  CHECK(read_file(second.log_path(uid, "survivor")).find("stdout F bye") != std::string::npos);
}

TEST_CASE("stop sends SIGKILL once the grace period is over when SIGTERM is ignored") {
  REQUIRE_ROOT();
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "stubborn", "trap '' TERM; echo ready; while true; do sleep 1; done");
  spec.grace_seconds = 1;
  REQUIRE(rt.run_pod(spec));
  REQUIRE(eventually([&] { return read_file(rt.log_path(spec.uid, "main")).find("ready") != std::string::npos; }));
  auto begin = std::chrono::steady_clock::now();
  REQUIRE(rt.stop_pod(spec.uid));
  auto took = std::chrono::steady_clock::now() - begin;
  CHECK(took >= 1s);
  CHECK(took < 10s);
  auto st = rt.status(spec.uid);
  REQUIRE(st);
  CHECK(st->containers[0].state.exit_code == 137);
  CHECK(st->containers[0].state.reason == "Error");
}

TEST_CASE("a container over its memory limit is reported as OOMKilled") {
  REQUIRE_ROOT();
  Sandbox sb;
  pod::Runtime rt(sb.config());
  // The string doubles until the cgroup's limit has the kernel kill the shell.
  auto spec = shell_pod(sb, "hungry", "x=0123456789abcdef; while true; do x=$x$x; done");
  spec.containers[0].memory_limit = 16 * 1024 * 1024;
  REQUIRE(rt.run_pod(spec));
  auto state = wait_exited(rt, spec.uid, "main", 60s);
  REQUIRE(state.phase == shim::Phase::exited);
  INFO("log: " << read_file(rt.log_path(spec.uid, "main")));
  CHECK(state.exit_code == 137);
  CHECK(state.reason == "OOMKilled");
}

TEST_CASE("container logs are rotated by size") {
  REQUIRE_ROOT();
  Sandbox sb;
  auto config = sb.config();
  config.log_max_bytes = 16 * 1024;
  config.log_max_files = 3;
  pod::Runtime rt(config);
  auto spec = shell_pod(sb, "chatty", "seq 1 5000; echo done");
  REQUIRE(rt.run_pod(spec));
  auto state = wait_exited(rt, spec.uid, "main");
  REQUIRE(state.exit_code == 0);
  std::string path = rt.log_path(spec.uid, "main");
  REQUIRE(eventually([&] { return read_file(path).find("stdout F done") != std::string::npos; }));
  CHECK(fs::exists(path + ".1"));
  CHECK(fs::exists(path + ".2"));
  CHECK_FALSE(fs::exists(path + ".3"));
  for (const auto& p : {path, path + ".1", path + ".2"}) CHECK(fs::file_size(p) <= config.log_max_bytes);
  // What is kept is the end of the output, in order.
  auto text = pod::read_cri_log(path, true);
  REQUIRE(text);
  CHECK(text->ends_with("4999\n5000\ndone\n"));
}

TEST_CASE("removing a pod leaves no mounts, cgroups, shim or files behind") {
  REQUIRE_ROOT();
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "tidy", "sleep 1000");
  spec.grace_seconds = 0;
  spec.containers[0].memory_limit = 64 * 1024 * 1024;
  auto st = rt.run_pod(spec);
  REQUIRE(st);
  int shim_pid = st->shim_pid;
  std::string dir = rt.pod_dir(spec.uid);
  CHECK(mounts_under(dir).size() == 4);  // ns/ itself, net, ipc, uts
  CHECK_FALSE(cgroup_dirs(rt.pod_cgroup(spec)).empty());
  auto rm = run_cli(with({"runtime", "rm", "tidy"}, sb.cli_flags()));
  CHECK(rm.code == 0);
  CHECK(rm.err.find("minikube:") == std::string::npos);
  CHECK_FALSE(fs::exists(dir));
  CHECK(mounts_under(dir).empty());
  CHECK(cgroup_dirs(rt.pod_cgroup(spec)).empty());
  CHECK(pod::live_shim_pid(dir) == 0);
  CHECK(shim::process_start_time(shim_pid) == 0);  // gone (or a zombie of whoever adopted it)
}

TEST_CASE("a host-network pod gets no network or UTS namespace of its own") {
  REQUIRE_ROOT();
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "hostnet", "hostname; cat /etc/resolv.conf > /dev/null; exit 0");
  spec.host_network = true;
  REQUIRE(rt.run_pod(spec));
  auto state = wait_exited(rt, spec.uid, "main");
  CHECK(state.exit_code == 0);
  CHECK_FALSE(fs::exists(rt.pod_dir(spec.uid) + "/ns/net"));
  CHECK(fs::exists(rt.pod_dir(spec.uid) + "/ns/ipc"));
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string log_path = rt.log_path(spec.uid, "main");
  REQUIRE(eventually([&] { return !read_file(log_path).empty(); }));
  CHECK(read_file(log_path).find(std::string("stdout F ") + host + "\n") != std::string::npos);
}

TEST_CASE("`runtime run -f` runs every container of a Pod manifest in one sandbox") {
  REQUIRE_ROOT();
  Sandbox sb;
  std::string manifest = sb.dir() + "/pod.yaml";
  std::ofstream(manifest) << "apiVersion: v1\n"
                             "kind: Pod\n"
                             "metadata: {name: twins, uid: twins-uid}\n"
                             "spec:\n"
                             "  hostname: twinhost\n"
                             "  dnsConfig: {nameservers: [10.0.0.10], searches: [svc.cluster.local]}\n"
                             "  containers:\n"
                             "  - name: first\n"
                             "    command: [sh, -c, 'echo $GREETING $(hostname); cat /etc/resolv.conf']\n"
                             "    env: [{name: GREETING, value: hello}]\n"
                             "  - name: second\n"
                             "    command: [sh, -c, 'exit 2']\n";
  auto r = run_cli(with({"runtime", "run"}, with(sb.cli_flags(), {"-f", manifest, "--rootfs", sb.rootfs()})));
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == "hello twinhost\nsearch svc.cluster.local\nnameserver 10.0.0.10\n");
  pod::Runtime rt(sb.config());
  auto second = wait_exited(rt, "twins-uid", "second");
  CHECK(second.exit_code == 2);
  auto ps = run_cli(with({"runtime", "ps", "--json"}, sb.cli_flags()));
  auto pods = nlohmann::json::parse(ps.out);
  REQUIRE(pods.size() == 1);
  CHECK(pods[0]["name"] == "twins");
  CHECK(pods[0]["containers"].size() == 2);
}

TEST_CASE("a pod whose shim died is reported Unknown and removed through its cgroup") {
  REQUIRE_ROOT();
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "orphan", "while true; do sleep 1; done");
  auto st = rt.run_pod(spec);
  REQUIRE(st);
  REQUIRE(eventually([&] {
    auto s = rt.status(spec.uid);
    return s && s->containers[0].state.phase == shim::Phase::running;
  }));
  int container_pid = rt.status(spec.uid)->containers[0].state.pid;
  uint64_t container_start = shim::process_start_time(container_pid);
  REQUIRE(::kill(st->shim_pid, SIGKILL) == 0);
  REQUIRE(eventually([&] { return pod::live_shim_pid(rt.pod_dir(spec.uid)) == 0; }));

  pod::Runtime restarted(sb.config());
  auto live = restarted.recover();
  REQUIRE(live);
  CHECK(live->empty());
  auto after = restarted.status(spec.uid);
  REQUIRE(after);
  CHECK(after->containers[0].state.phase == shim::Phase::exited);
  CHECK(after->containers[0].state.reason == "Unknown");
  // The container itself outlived its shim; removal kills it through the pod's cgroup.
  CHECK(shim::process_start_time(container_pid) == container_start);
  REQUIRE(restarted.remove_pod(spec.uid));
  CHECK(eventually([&] { return shim::process_start_time(container_pid) != container_start; }));
  CHECK(cgroup_dirs(restarted.pod_cgroup(spec)).empty());
}

TEST_CASE("volumes: a read-only host path, a subPath and an emptyDir shared by two containers") {
  REQUIRE_ROOT();
  Sandbox sb;
  pod::Runtime rt(sb.config());
  std::string host = sb.dir() + "/host-data";
  fs::create_directories(host);
  std::ofstream(host + "/in.txt") << "from the host\n";
  auto spec = shell_pod(sb, "vols",
                        "cat /data/in.txt; "
                        "if echo x > /data/out.txt 2>/dev/null; then echo writable; else echo read-only; fi; "
                        "echo sub > /sub/file; echo shared > /shared/note; exit 0");
  spec.volumes.push_back({"data", host, false, ""});
  spec.volumes.push_back({"scratch", "", true, ""});
  spec.containers[0].volume_mounts.push_back({"data", "/data", "", true});
  spec.containers[0].volume_mounts.push_back({"scratch", "/sub", "nested/dir", false});
  spec.containers[0].volume_mounts.push_back({"scratch", "/shared", "", false});
  REQUIRE(rt.run_pod(spec));
  auto state = wait_exited(rt, spec.uid, "main");
  CHECK(state.exit_code == 0);
  std::string log_path = rt.log_path(spec.uid, "main");
  REQUIRE(eventually([&] { return read_file(log_path).find("read-only") != std::string::npos ||
                                  read_file(log_path).find("writable") != std::string::npos; }));
  std::string log = read_file(log_path);
  CHECK(log.find("stdout F from the host\n") != std::string::npos);
  CHECK(log.find("stdout F read-only\n") != std::string::npos);
  CHECK_FALSE(fs::exists(host + "/out.txt"));
  // The emptyDir lives in the pod's directory; the subPath is a directory inside it.
  CHECK(read_file(rt.pod_dir(spec.uid) + "/volumes/scratch/nested/dir/file") == "sub\n");
  CHECK(read_file(rt.pod_dir(spec.uid) + "/volumes/scratch/note") == "shared\n");
}

TEST_CASE("volume mounts that escape or name no volume are refused") {
  Sandbox sb;
  auto spec = shell_pod(sb, "badvols", "exit 0");
  spec.volumes.push_back({"scratch", "", true, ""});
  spec.containers[0].volume_mounts.push_back({"scratch", "/x", "../../etc", false});
  auto bad = pod::validate(spec);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("subPath \"../../etc\" must be a relative path without \"..\"") != std::string::npos);
  spec.containers[0].volume_mounts = {{"nope", "/x", "", false}};
  auto missing = pod::validate(spec);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("mounts volume \"nope\", which the pod does not define") != std::string::npos);
}
