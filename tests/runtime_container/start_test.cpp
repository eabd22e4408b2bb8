// container::start against a busybox root filesystem: exit codes, output, namespaces,
// seccomp, capabilities, users, read-only root, masked paths and overlay roots.

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>

#include "busybox_rootfs.h"

using namespace mk_test;

namespace {

ctr::Config sh(const fs::path& rootfs, const std::string& script) {
  auto c = base_config(rootfs);
  c.process.args = {"sh", "-c", script};
  return c;
}

}  // namespace

TEST_CASE("a container's exit code reaches its parent", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto c = base_config(tmp.path() / "rootfs");
  c.process.args = {"/bin/true"};
  CHECK(run(c).exit_code == 0);
  CHECK(run(sh(tmp.path() / "rootfs", "exit 3")).exit_code == 3);
  require_no_mounts_under(tmp.path());
}

TEST_CASE("stdout and stderr are the given fds, and nothing else is open", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto o = run(sh(tmp.path() / "rootfs", "echo hello; echo oops >&2; ls /proc/$$/fd; true"));
  INFO(o.out);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "hello\n0\n1\n2\n");
  CHECK(o.err == "oops\n");
  require_no_mounts_under(tmp.path());
}

TEST_CASE("hostname, pid namespace and /proc are the container's own", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto o = run(sh(tmp.path() / "rootfs", "hostname; echo $$; ls /proc | grep '^[0-9]' | wc -l; pwd"));
  CHECK(o.exit_code == 0);
  // sh is pid 1; the pipeline adds a few processes, the host's hundreds are not there.
  std::istringstream lines(o.out);
  std::string hostname, pid, count, cwd;
  std::getline(lines, hostname);
  std::getline(lines, pid);
  std::getline(lines, count);
  std::getline(lines, cwd);
  CHECK(hostname == "box");
  CHECK(pid == "1");
  CHECK(std::stoi(count) <= 5);
  CHECK(cwd == "/");

  // A working directory the image lacks is created inside the root.
  auto c = sh(tmp.path() / "rootfs", "pwd");
  c.process.cwd = "/work/dir";
  CHECK(run(c).out == "/work/dir\n");
  CHECK(fs::is_directory(tmp.path() / "rootfs/work/dir"));
  require_no_mounts_under(tmp.path());
}

TEST_CASE("a missing command fails start with the upstream message", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto c = base_config(tmp.path() / "rootfs");
  c.process.args = {"nope"};
  auto pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message == "start container test: exec: \"nope\": executable file not found in $PATH");
  CHECK(pid.error().code == mk::Errc::not_found);

  c.process.args = {"/etc/passwd"};
  pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message == "start container test: exec: \"/etc/passwd\": permission denied");

  // Executable but not a program: the kernel's ENOEXEC, worded as runc does.
  write_file(tmp.path() / "rootfs/bin/garbage", "\x01\x02garbage");
  fs::permissions(tmp.path() / "rootfs/bin/garbage", fs::perms::owner_all);
  c.process.args = {"garbage"};
  pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message == "start container test: exec /bin/garbage: exec format error");
  require_no_mounts_under(tmp.path());
}

TEST_CASE("RuntimeDefault seccomp blocks namespaces and mounts, Unconfined does not", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto rootfs = tmp.path() / "rootfs";

  auto o = run(sh(rootfs, "grep '^Seccomp:' /proc/self/status"));
  CHECK(o.out == "Seccomp:\t2\n");
  // Without no_new_privs (Kubernetes' default) the filter is loaded before the capabilities go.
  auto without_nnp = sh(rootfs, "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; unshare -U true");
  without_nnp.process.no_new_privs = false;
  o = run(without_nnp);
  CHECK(o.out == "NoNewPrivs:\t0\nSeccomp:\t2\n");
  CHECK(o.exit_code != 0);
  // Creating a user namespace needs no capability: only the filter stops it.
  o = run(sh(rootfs, "unshare -U true"));
  CHECK(o.exit_code != 0);
  CHECK(o.err.find("Operation not permitted") != std::string::npos);
  o = run(sh(rootfs, "unshare -m true"));
  CHECK(o.exit_code != 0);
  CHECK(o.err.find("Operation not permitted") != std::string::npos);
  o = run(sh(rootfs, "mount -t tmpfs none /tmp"));
  CHECK(o.exit_code != 0);

  auto c = sh(rootfs, "mount -t tmpfs none /tmp && grep -c ' /tmp ' /proc/self/mountinfo && unshare -U true");
  c.process.seccomp = ctr::Seccomp::unconfined;
  c.process.cap_add = {"SYS_ADMIN"};
  o = run(c);
  INFO(o.err);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "1\n");
  require_no_mounts_under(tmp.path());
}

TEST_CASE("a Localhost seccomp profile is loaded from its JSON file", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  write_file(tmp.path() / "profile.json", R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]
  })");
  auto c = sh(tmp.path() / "rootfs", "touch /tmp/file && mkdir /tmp/dir");
  c.process.seccomp = ctr::Seccomp::localhost;
  c.process.seccomp_profile = (tmp.path() / "profile.json").string();
  auto o = run(c);
  CHECK(o.exit_code != 0);
  CHECK(o.err.find("Permission denied") != std::string::npos);
  CHECK(fs::exists(tmp.path() / "rootfs/tmp/file"));
  CHECK_FALSE(fs::exists(tmp.path() / "rootfs/tmp/dir"));

  c.process.seccomp_profile = (tmp.path() / "missing.json").string();
  auto pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message.find("missing.json") != std::string::npos);
}

TEST_CASE("capabilities: the default 14, and dropped ones are gone", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto rootfs = tmp.path() / "rootfs";
  auto o = run(sh(rootfs, "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status"));
  CHECK(o.out ==
        "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
        "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n");
  o = run(sh(rootfs, "grep NoNewPrivs /proc/self/status"));
  CHECK(o.out == "NoNewPrivs:\t1\n");

  auto c = sh(rootfs, "touch /tmp/f && chown 1 /tmp/f");
  CHECK(run(c).exit_code == 0);
  c.process.cap_drop = {"CHOWN", "CAP_NET_RAW"};
  o = run(c);
  CHECK(o.exit_code != 0);
  CHECK(o.err.find("Operation not permitted") != std::string::npos);
  c.process.args = {"sh", "-c", "grep CapBnd /proc/self/status"};
  // 0xa80425fb without CHOWN (bit 0) and NET_RAW (bit 13)
  CHECK(run(c).out == "CapBnd:\t00000000a80405fa\n");

  c.process.cap_drop = {"ALL"};
  c.process.cap_add = {"KILL"};
  CHECK(run(c).out == "CapBnd:\t0000000000000020\n");

  c.process.cap_drop = {"NOT_A_CAP"};
  auto pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message == "start container test: unknown capability \"NOT_A_CAP\"");
  require_no_mounts_under(tmp.path());
}

TEST_CASE("the user comes from the container's /etc/passwd and /etc/group", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto c = sh(tmp.path() / "rootfs", "id -u; id -g; id -G; echo $HOME");
  c.process.user = "app";
  c.process.extra_groups = {3000};
  auto o = run(c);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "1000\n1000\n1000 2000 3000\n/home/app\n");

  c.process.user = "4321:55";
  c.process.extra_groups = {};
  o = run(c);
  CHECK(o.out == "4321\n55\n55\n/\n");

  c.process.user = "nobody";
  auto pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message == "start container test: unable to find user nobody: no matching entries in passwd file");
  require_no_mounts_under(tmp.path());
}

TEST_CASE("read-only root, masked and read-only paths", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto c = sh(tmp.path() / "rootfs", "touch /new");
  c.read_only_rootfs = true;
  auto o = run(c);
  CHECK(o.exit_code != 0);
  CHECK(o.err.find("Read-only file system") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path() / "rootfs/new"));

  // /dev is still writable with a read-only root, /proc/sys is not; masked files read empty and
  // masked directories are empty (/proc/timer_list and /sys/firmware are masked by default).
  c.process.args = {"sh", "-c",
                    "touch /dev/shm/x && wc -c < /proc/timer_list && ls /sys/firmware | wc -l && "
                    "echo 1 > /proc/sys/kernel/ns_last_pid"};
  o = run(c);
  INFO(o.err);
  CHECK(o.out == "0\n0\n");
  CHECK(o.exit_code != 0);
  CHECK(o.err.find("Read-only file system") != std::string::npos);

  // Privileged: nothing masked, all capabilities, no seccomp.
  c.process.privileged = true;
  c.process.args = {"sh", "-c", "grep -E '^Seccomp:' /proc/self/status; test $(wc -c < /proc/timer_list) -gt 0 && echo timers"};
  o = run(c);
  CHECK(o.out == "Seccomp:\t0\ntimers\n");

  // Paths given explicitly replace the defaults.
  write_file(tmp.path() / "rootfs/etc/secret", "password\n");
  write_file(tmp.path() / "rootfs/secrets/key", "key\n");
  c.process.privileged = false;
  c.read_only_rootfs = false;
  c.masked_paths = {"/etc/secret", "/secrets", "/does/not/exist"};
  c.readonly_paths = {"/etc"};
  c.process.args = {"sh", "-c", "wc -c < /etc/secret; ls /secrets | wc -l; test $(wc -c < /proc/timer_list) -gt 0 && echo timers; touch /etc/x"};
  o = run(c);
  CHECK(o.out == "0\n0\ntimers\n");
  CHECK(o.err.find("Read-only file system") != std::string::npos);
  require_no_mounts_under(tmp.path());
}

TEST_CASE("configured mounts, and /sys bound read-only in the host network namespace", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  write_file(tmp.path() / "volume/data.txt", "from the host\n");
  auto c = sh(tmp.path() / "rootfs",
              "cat /mnt/vol/data.txt; touch /mnt/vol/x || echo ro; touch /scratch/y && echo tmpfs; "
              "grep -c ' /sys ro,' /proc/self/mountinfo");
  c.namespaces = {{CLONE_NEWPID, ""}, {CLONE_NEWUTS, ""}};  // no new network namespace
  c.mounts = {{(tmp.path() / "volume").string(), "/mnt/vol", "bind", {"rbind", "ro"}},
              {"tmpfs", "/scratch", "tmpfs", {"nosuid", "size=1m"}}};
  auto o = run(c);
  CHECK(o.out == "from the host\nro\ntmpfs\n1\n");
  CHECK_FALSE(fs::exists(tmp.path() / "volume/x"));
  CHECK(fs::is_directory(tmp.path() / "rootfs/scratch"));

  // A destination behind a symlink pointing out of the root stays inside the root.
  fs::create_directories(tmp.path() / "outside");
  fs::create_directories(tmp.path() / "rootfs" / tmp.path().relative_path() / "outside");
  fs::create_symlink(tmp.path() / "outside", tmp.path() / "rootfs/escape");
  c.mounts = {{"tmpfs", "/escape/inner", "tmpfs", {}}};
  c.process.args = {"true"};
  CHECK(run(c).exit_code == 0);
  CHECK_FALSE(fs::exists(tmp.path() / "outside/inner"));
  CHECK(fs::is_directory(tmp.path() / "rootfs" / tmp.path().relative_path() / "outside/inner"));
  // A dangling symlink is not followed to create its target.
  fs::create_symlink("/nowhere", tmp.path() / "rootfs/dangling");
  c.mounts = {{"tmpfs", "/dangling", "tmpfs", {}}};
  auto pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message == "start container test: create dangling in the container root: File exists");
  require_no_mounts_under(tmp.path());
}

TEST_CASE("an overlay of two layers; writes land in the upper directory", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  auto base = tmp.path() / "layer1";
  make_busybox_rootfs(base);
  write_file(base / "etc/motd", "base\n");
  write_file(tmp.path() / "layer2/etc/motd", "layer two\n");
  for (const char* d : {"upper", "work", "rootfs"}) fs::create_directories(tmp.path() / d);
  auto c = sh(tmp.path() / "rootfs", "cat /etc/motd; echo written > /new.txt");
  c.layers = {base.string(), (tmp.path() / "layer2").string()};
  c.upper = (tmp.path() / "upper").string();
  c.work = (tmp.path() / "work").string();
  auto o = run(c);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "layer two\n");
  CHECK(read_file(tmp.path() / "upper/new.txt") == "written\n");
  CHECK_FALSE(fs::exists(base / "new.txt"));
  CHECK_FALSE(fs::exists(tmp.path() / "layer2/new.txt"));
  CHECK_FALSE(fs::exists(tmp.path() / "rootfs/new.txt"));  // the overlay was never on the host
  require_no_mounts_under(tmp.path());
}

TEST_CASE("rlimits are clamped to the host's hard limit", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  rlimit host{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &host) == 0);
  auto c = sh(tmp.path() / "rootfs", "ulimit -n; ulimit -Hn");
  c.process.rlimits = {{RLIMIT_NOFILE, 1048576, 1048576}};
  c.process.oom_score_adj = 500;
  auto o = run(c);
  CHECK(o.exit_code == 0);
  std::string hard = host.rlim_max == RLIM_INFINITY ? "1048576" : std::to_string(std::min<rlim_t>(host.rlim_max, 1048576));
  CHECK(o.out == hard + "\n" + hard + "\n");
  c.process.args = {"cat", "/proc/self/oom_score_adj"};
  CHECK(run(c).out == "500\n");
  // Lowering may be refused (it is on the development machines): a warning, not a failure.
  c.process.oom_score_adj = -997;
  auto o2 = run(c);
  CHECK(o2.exit_code == 0);
  CHECK((o2.out == "-997\n" || o2.out == read_file("/proc/self/oom_score_adj")));
}
