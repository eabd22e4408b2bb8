// Pod-style namespace sharing, cgroup joining and terminals.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "busybox_rootfs.h"

using namespace mk_test;

namespace {

struct Killer {
  pid_t pid;
  ~Killer() {
    ::kill(pid, SIGKILL);
    wait_exit_code(pid);
  }
};

std::string ns_link(pid_t pid, const char* kind) {
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + kind).string();
}

}  // namespace

TEST_CASE("a container joins another's namespaces by path", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto sandbox = base_config(tmp.path() / "rootfs");
  sandbox.hostname = "pod";
  sandbox.process.args = {"sleep", "1000"};
  auto holder = ctr::start(sandbox);
  REQUIRE(holder.has_value());
  Killer killer{*holder};

  std::string proc = "/proc/" + std::to_string(*holder) + "/ns/";
  auto c = base_config(tmp.path() / "rootfs");
  c.hostname = "ignored";
  c.namespaces = {{CLONE_NEWPID, proc + "pid"}, {CLONE_NEWUTS, proc + "uts"},
                  {CLONE_NEWIPC, proc + "ipc"}, {CLONE_NEWNET, proc + "net"}};
  c.process.args = {"sh", "-c", "hostname; head -c 5 /proc/1/cmdline; echo; readlink /proc/self/ns/net"};
  auto o = run(c);
  INFO(o.err);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "pod\nsleep\n" + ns_link(*holder, "net") + "\n");

  c.namespaces = {{CLONE_NEWNET, tmp.path().string() + "/no-such-ns"}};
  auto pid = ctr::start(c);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message.find("open namespace " + tmp.path().string() + "/no-such-ns") != std::string::npos);
  require_no_mounts_under(tmp.path());
}

TEST_CASE("the container process joins the given cgroup before exec", "[container][root]") {
  MK_REQUIRE_ROOT();
  // A cgroup2 hierarchy: the hybrid layout's unified mount, or the whole tree on pure v2.
  fs::path hierarchy = fs::exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
  if (!fs::exists(hierarchy / "cgroup.procs") || fs::exists(hierarchy / "tasks")) {
    WARN("skipped: no cgroup2 hierarchy here");
    return;
  }
  fs::path group = hierarchy / ("mk-ctr-test-" + std::to_string(::getpid()));
  REQUIRE(::mkdir(group.c_str(), 0755) == 0);
  struct Remove {
    fs::path p;
    ~Remove() { ::rmdir(p.c_str()); }
  } remove{group};

  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  auto c = base_config(tmp.path() / "rootfs");
  c.cgroup_procs = {(group / "cgroup.procs").string()};
  c.process.args = {"sleep", "1000"};
  auto pid = ctr::start(c);
  REQUIRE(pid.has_value());
  {
    Killer killer{*pid};
    CHECK(read_file(group / "cgroup.procs") == std::to_string(*pid) + "\n");
  }
  // With a cgroup namespace, the container's cgroup is its root.
  c.namespaces.push_back({CLONE_NEWCGROUP, ""});
  c.process.args = {"grep", "^0::", "/proc/self/cgroup"};
  CHECK(run(c).out == "0::/\n");
  require_no_mounts_under(tmp.path());
}

TEST_CASE("a terminal becomes the controlling tty and /dev/console", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  int primary = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(primary >= 0);
  REQUIRE(::grantpt(primary) == 0);
  REQUIRE(::unlockpt(primary) == 0);
  int secondary = ::open(::ptsname(primary), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(secondary >= 0);

  auto c = base_config(tmp.path() / "rootfs");
  c.process.terminal = secondary;
  c.process.args = {"sh", "-c", "test -t 0 && test -c /dev/console && echo on-a-tty"};
  auto pid = ctr::start(c);
  ::close(secondary);
  INFO((pid ? std::string() : pid.error().message));
  REQUIRE(pid.has_value());
  std::string out;
  char buf[256];
  ssize_t n;
  // EIO once the container's side is closed.
  while ((n = ::read(primary, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  ::close(primary);
  CHECK(wait_exit_code(*pid) == 0);
  CHECK(out == "on-a-tty\r\n");
  require_no_mounts_under(tmp.path());
}
