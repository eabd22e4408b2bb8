// container::exec into a running container: same namespaces, root and processes.

#include <signal.h>

#include "busybox_rootfs.h"

using namespace mk_test;

TEST_CASE("exec joins a running container", "[container][root]") {
  MK_REQUIRE_ROOT();
  TempDir tmp;
  make_busybox_rootfs(tmp.path() / "rootfs");
  write_file(tmp.path() / "rootfs/marker", "inside\n");
  auto c = base_config(tmp.path() / "rootfs");
  c.hostname = "exec-box";
  c.process.args = {"sleep", "1000"};
  auto pid = ctr::start(c);
  REQUIRE(pid.has_value());
  // start returns once sleep is running: its exec closed the error pipe.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      ::kill(pid, SIGKILL);
      wait_exit_code(pid);
    }
  } reaper{*pid};

  Pipe out, err;
  ctr::ExecConfig e;
  e.target = *pid;
  e.process = c.process;
  e.process.args = {"sh", "-c", "hostname; cat /marker; cat /proc/1/cmdline | head -c 5; echo; echo $$"};
  e.process.stdout_fd = out.write;
  e.process.stderr_fd = err.write;
  auto exec_pid = ctr::exec(e);
  out.close_write();
  err.close_write();
  INFO((exec_pid ? std::string() : exec_pid.error().message));
  REQUIRE(exec_pid.has_value());
  std::string output = out.drain();
  INFO(err.drain());
  CHECK(wait_exit_code(*exec_pid) == 0);
  std::istringstream lines(output);
  std::string hostname, marker, first, own_pid;
  std::getline(lines, hostname);
  std::getline(lines, marker);
  std::getline(lines, first);
  std::getline(lines, own_pid);
  CHECK(hostname == "exec-box");
  CHECK(marker == "inside");
  CHECK(first == "sleep");
  CHECK(own_pid != "1");
  CHECK(std::stoi(own_pid) < 100);  // a pid of the container's namespace, not the host's

  // Same security settings: capabilities and seccomp apply to exec'd processes too.
  e.process.args = {"sh", "-c", "grep -E '^(CapBnd|Seccomp):' /proc/self/status"};
  e.process.cap_drop = {"ALL"};
  Pipe out2;
  e.process.stdout_fd = out2.write;
  e.process.stderr_fd = -1;
  exec_pid = ctr::exec(e);
  out2.close_write();
  REQUIRE(exec_pid.has_value());
  CHECK(out2.drain() == "CapBnd:\t0000000000000000\nSeccomp:\t2\n");
  CHECK(wait_exit_code(*exec_pid) == 0);

  e.process.args = {"nope"};
  exec_pid = ctr::exec(e);
  REQUIRE_FALSE(exec_pid.has_value());
  CHECK(exec_pid.error().message.find("exec: \"nope\": executable file not found in $PATH") != std::string::npos);
  require_no_mounts_under(tmp.path());
}

TEST_CASE("exec into a process that is gone fails clearly", "[container][root]") {
  MK_REQUIRE_ROOT();
  ctr::ExecConfig e;
  e.target = 0x3ffffff0;
  e.process.args = {"true"};
  auto pid = ctr::exec(e);
  REQUIRE_FALSE(pid.has_value());
  CHECK(pid.error().message.find("not running") != std::string::npos);
}
