// cgroups on this host's real hierarchies (hybrid on the development machines). Every cgroup
// lives under a prefix unique to the run, removed in all hierarchies at the end even on failure.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "runtime/cgroup/cgroup.h"
#include "runtime_cgroup/temp_dir.h"

using namespace mk::runtime::cgroup;
using mk::test::read_text;
using mk::test::write_text;
using Clock = std::chrono::steady_clock;

namespace {

bool skip_unless_root() {
  if (::geteuid() == 0) return false;
  WARN("skipped: cgroup host tests need root");
  return true;
}

template <typename Pred>
bool poll_until(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Every directory a cgroup path could have on this host, whatever the mode.
std::vector<std::string> all_dirs(const Layout& layout, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& [controller, mount] : layout.v1) out.push_back(mount + "/" + path);
  if (!layout.unified.empty()) out.push_back(layout.unified + "/" + path);
  return out;
}

// The unique prefix, and on the way out: SIGKILL to what is left, removal everywhere.
struct TestRoot {
  Layout layout;
  std::string prefix;
  TestRoot() {
    auto l = detect();
    REQUIRE(l);
    layout = *l;
    std::random_device rd;
    prefix = "mk-cgtest-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
  }
  ~TestRoot() {
    if (auto cg = Cgroup::open(layout, prefix)) {
      (void)cg->kill_all();
      poll_until([&] { return cg->pids().empty(); }, std::chrono::seconds(5));
      (void)cg->remove();
    }
  }
  std::string path(const std::string& rel) const { return prefix + "/" + rel; }
};

// A child that joins the cgroup itself (writing 0 to cgroup.procs means "me") and then runs
// `body`, whose return value is its exit code. Returns the pid.
template <typename Body>
pid_t spawn_in(const Cgroup& cg, Body body) {
  const std::vector<std::string> files = cg.procs_files();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    for (const auto& f : files) {
      int fd = ::open(f.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(100);
      ::close(fd);
    }
    ::_exit(body());
  }
  return pid;
}

// Reaps `pid`, waiting at most `limit`; on timeout the child is killed and reaped (and the test fails).
int reap(pid_t pid, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  int status = 0;
  bool done = poll_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, limit);
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL("pid " << pid << " did not exit in time");
  }
  return status;
}

std::string v1_file(const Layout& layout, const char* controller, const std::string& path, const char* file) {
  return layout.v1_mount(controller) + "/" + path + "/" + file;
}

}  // namespace

TEST_CASE("host: limits are written and read back from the files") {
  if (skip_unless_root()) return;
  TestRoot root;
  const std::string path = root.path("kubepods/burstable/podA/app");
  auto cg = Cgroup::create(root.layout, path);
  REQUIRE(cg);
  for (const auto& dir : cg->procs_files()) CHECK(std::filesystem::exists(dir));
  // On hybrid the processes are tracked in the cgroup2 mount as well.
  if (root.layout.mode == Mode::hybrid) {
    auto files = cg->procs_files();
    CHECK(std::find(files.begin(), files.end(), root.layout.unified + "/" + path + "/cgroup.procs") != files.end());
  }

  Resources r;
  r.cpu_shares = 512;
  r.cpu_quota_us = 50000;
  r.memory_limit = 64 * 1024 * 1024;
  r.pids_limit = 20;
  REQUIRE(cg->apply(r));
  if (root.layout.mode == Mode::v2) {
    const std::string dir = root.layout.unified + "/" + path;
    CHECK(read_text(dir + "/cpu.weight") == "59");
    CHECK(read_text(dir + "/cpu.max") == "50000 100000");
    CHECK(read_text(dir + "/memory.max") == "67108864");
    CHECK(read_text(dir + "/pids.max") == "20");
  } else {
    CHECK(read_text(v1_file(root.layout, "cpu", path, "cpu.shares")) == "512");
    CHECK(read_text(v1_file(root.layout, "cpu", path, "cpu.cfs_quota_us")) == "50000");
    CHECK(read_text(v1_file(root.layout, "cpu", path, "cpu.cfs_period_us")) == "100000");
    CHECK(read_text(v1_file(root.layout, "memory", path, "memory.limit_in_bytes")) == "67108864");
    CHECK(read_text(v1_file(root.layout, "pids", path, "pids.max")) == "20");
  }

  Resources unlimited;
  unlimited.cpu_quota_us = -1;
  unlimited.memory_limit = -1;
  unlimited.pids_limit = -1;
  REQUIRE(cg->apply(unlimited));
  if (root.layout.mode == Mode::v2) {
    const std::string dir = root.layout.unified + "/" + path;
    CHECK(read_text(dir + "/cpu.max") == "max 100000");
    CHECK(read_text(dir + "/memory.max") == "max");
    CHECK(read_text(dir + "/pids.max") == "max");
  } else {
    CHECK(read_text(v1_file(root.layout, "cpu", path, "cpu.cfs_quota_us")) == "-1");
    // v1 reports "no limit" as the largest page-aligned value.
    CHECK(read_text(v1_file(root.layout, "memory", path, "memory.limit_in_bytes")) != "67108864");
    CHECK(read_text(v1_file(root.layout, "pids", path, "pids.max")) == "max");
  }

  auto reopened = Cgroup::open(root.layout, path);
  REQUIRE(reopened);
  auto u = reopened->usage();
  REQUIRE(u);
  CHECK(u->pids == 0);
  CHECK(u->oom_kills == 0);
}

TEST_CASE("host: a child over its memory limit is OOM-killed and counted") {
  if (skip_unless_root()) return;
  TestRoot root;
  auto cg = Cgroup::create(root.layout, root.path("oom"));
  REQUIRE(cg);
  const int64_t limit = 32 * 1024 * 1024;
  Resources r;
  r.memory_limit = limit;
  REQUIRE(cg->apply(r));
  // With swap the child would be swapped out instead of killed: no swap for this cgroup.
  const std::string memory_dir = root.layout.mode == Mode::v2 ? root.layout.unified + "/" + cg->path()
                                                              : root.layout.v1_mount("memory") + "/" + cg->path();
  if (std::filesystem::exists(memory_dir + "/memory.memsw.limit_in_bytes")) {
    write_text(memory_dir + "/memory.memsw.limit_in_bytes", std::to_string(limit));
  }
  if (std::filesystem::exists(memory_dir + "/memory.swap.max")) write_text(memory_dir + "/memory.swap.max", "0");
  auto before = cg->usage();
  REQUIRE(before);
  CHECK(before->oom_kills == 0);

  pid_t pid = spawn_in(*cg, [] {
    // Eight times the limit, every page touched so it is really charged.
    const size_t size = 256u * 1024 * 1024;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 101;
    auto* bytes = static_cast<volatile char*>(p);
    for (size_t i = 0; i < size; i += 4096) bytes[i] = 1;
    return 0;  // survived: the limit did not hold
  });
  int status = reap(pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  auto after = cg->usage();
  REQUIRE(after);
  CHECK(after->oom_kills >= 1);
  CHECK(after->pids == 0);
}

TEST_CASE("host: a pids limit makes fork fail inside the cgroup") {
  if (skip_unless_root()) return;
  TestRoot root;
  auto cg = Cgroup::create(root.layout, root.path("pids"));
  REQUIRE(cg);
  Resources r;
  r.pids_limit = 1;
  REQUIRE(cg->apply(r));
  pid_t pid = spawn_in(*cg, [] {
    pid_t grandchild = ::fork();
    if (grandchild == 0) ::_exit(0);
    if (grandchild > 0) {
      ::waitpid(grandchild, nullptr, 0);
      return 1;  // fork worked: the limit did not hold
    }
    return errno == EAGAIN ? 0 : 2;
  });
  int status = reap(pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  // The same child without the limit forks fine, so the failure above was the limit's doing.
  Resources unlimited;
  unlimited.pids_limit = -1;
  REQUIRE(cg->apply(unlimited));
  pid = spawn_in(*cg, [] {
    pid_t grandchild = ::fork();
    if (grandchild == 0) ::_exit(0);
    if (grandchild < 0) return 2;
    ::waitpid(grandchild, nullptr, 0);
    return 0;
  });
  status = reap(pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("host: kill_all kills every process in the cgroup and its children, remove leaves nothing") {
  if (skip_unless_root()) return;
  TestRoot root;
  // Grandchildren are re-parented to this process, so it can reap them by pid too.
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  auto pod = Cgroup::create(root.layout, root.path("kill/pod"));
  REQUIRE(pod);
  auto app = Cgroup::create(root.layout, root.path("kill/pod/app"));
  REQUIRE(app);

  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  std::vector<pid_t> children;
  // One that forks a grandchild and reports its pid, one that just waits.
  children.push_back(spawn_in(*app, [&]() -> int {
    pid_t g = ::fork();
    if (g == 0) {
      for (;;) ::pause();
    }
    if (::write(fds[1], &g, sizeof g) != sizeof g) return 3;
    for (;;) ::pause();
  }));
  children.push_back(spawn_in(*pod, []() -> int {
    for (;;) ::pause();
  }));
  ::close(fds[1]);
  pid_t grandchild = 0;
  REQUIRE(::read(fds[0], &grandchild, sizeof grandchild) == sizeof grandchild);
  ::close(fds[0]);
  REQUIRE(grandchild > 0);

  // One more, moved in from outside with add().
  pid_t outsider = ::fork();
  REQUIRE(outsider >= 0);
  if (outsider == 0) {
    for (;;) ::pause();
  }
  REQUIRE(app->add(outsider));
  children.push_back(outsider);

  std::vector<pid_t> expected = children;
  expected.push_back(grandchild);
  std::sort(expected.begin(), expected.end());
  REQUIRE(poll_until([&] { return pod->pids() == expected; }));

  auto opened = Cgroup::open(root.layout, pod->path());
  REQUIRE(opened);
  REQUIRE(opened->kill_all());
  for (pid_t p : expected) {
    int status = reap(p, std::chrono::seconds(10));
    CAPTURE(p);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
  }
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
  REQUIRE(poll_until([&] { return pod->pids().empty(); }));

  // remove() takes the children too, in every hierarchy.
  REQUIRE(pod->remove());
  for (const auto& dir : all_dirs(root.layout, pod->path())) {
    CAPTURE(dir);
    CHECK_FALSE(std::filesystem::exists(dir));
  }
  REQUIRE(Cgroup::open(root.layout, pod->path()).error().code == mk::Errc::not_found);
  // Removing again is fine.
  CHECK(pod->remove());

  // And the whole test prefix goes the same way.
  auto top = Cgroup::open(root.layout, root.prefix);
  REQUIRE(top);
  REQUIRE(top->remove());
  for (const auto& dir : all_dirs(root.layout, root.prefix)) {
    CAPTURE(dir);
    CHECK_FALSE(std::filesystem::exists(dir));
  }
}
