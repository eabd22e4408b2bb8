// The v2 (and hybrid) code paths against a directory tree in a temp dir standing in for a
// cgroupfs mount. The tree does what the kernel would: each new cgroup gets its control files,
// made by the test between the steps, since mkdir in a plain directory creates none.
#include <catch2/catch.hpp>

#include <filesystem>

#include "runtime/cgroup/cgroup.h"
#include "runtime_cgroup/temp_dir.h"

using namespace mk::runtime::cgroup;
using mk::test::read_text;
using mk::test::TempDir;
using mk::test::write_text;

namespace {

// Pids far above any pid_max, so nothing real could be signalled by mistake.
constexpr const char* kFakePids = "999999991\n999999992\n";

void add_v2_files(const std::string& dir) {
  for (const char* f : {"cgroup.procs", "cgroup.subtree_control", "cgroup.kill", "cgroup.freeze", "cpu.weight",
                        "cpu.max", "memory.max", "pids.max", "cpu.stat", "memory.current", "memory.stat",
                        "memory.events", "pids.current"}) {
    write_text(dir + "/" + f, "");
  }
}

Layout fake_v2(const std::string& root) {
  Layout layout;
  layout.mode = Mode::v2;
  layout.unified = root;
  layout.v2_controllers = {"cpuset", "cpu", "io", "memory", "pids"};
  return layout;
}

bool is_dir(const std::string& p) { return std::filesystem::is_directory(p); }

}  // namespace

TEST_CASE("fake v2: create makes every level and enables controllers on each ancestor") {
  TempDir root;
  add_v2_files(root.path());
  Layout layout = fake_v2(root.path());
  // Step by step, as the kernel would have given each new directory its files.
  for (const char* level : {"mk", "mk/kubepods", "mk/kubepods/burstable", "mk/kubepods/burstable/pod1"}) {
    auto cg = Cgroup::create(layout, level);
    REQUIRE(cg);
    add_v2_files(root.path() + "/" + level);
  }
  auto leaf = Cgroup::create(layout, "/mk/kubepods/burstable/pod1/app/");
  REQUIRE(leaf);
  CHECK(leaf->path() == "mk/kubepods/burstable/pod1/app");
  REQUIRE(is_dir(root.path() + "/mk/kubepods/burstable/pod1/app"));
  // Only the controllers the mount has, all of them on every ancestor of the leaf.
  for (const char* dir : {"", "/mk", "/mk/kubepods", "/mk/kubepods/burstable", "/mk/kubepods/burstable/pod1"}) {
    CAPTURE(dir);
    CHECK(read_text(root.path() + dir + "/cgroup.subtree_control") == "+cpu +cpuset +io +memory +pids");
  }
  // The leaf holds processes, so it must not hand controllers on.
  CHECK_FALSE(std::filesystem::exists(root.path() + "/mk/kubepods/burstable/pod1/app/cgroup.subtree_control"));
  CHECK(leaf->procs_files() == std::vector<std::string>{root.path() + "/mk/kubepods/burstable/pod1/app/cgroup.procs"});
}

TEST_CASE("fake v2: paths that would leave the cgroup root are refused") {
  TempDir root;
  Layout layout = fake_v2(root.path());
  for (const char* bad : {"", "/", "a/../b", "..", "a/./b"}) {
    CAPTURE(bad);
    auto cg = Cgroup::create(layout, bad);
    REQUIRE_FALSE(cg);
    CHECK(cg.error().code == mk::Errc::invalid_argument);
  }
  auto missing = Cgroup::open(layout, "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == mk::Errc::not_found);
}

TEST_CASE("fake v2: apply writes weight, cpu.max, memory.max and pids.max") {
  TempDir root;
  add_v2_files(root.path());
  Layout layout = fake_v2(root.path());
  auto cg = Cgroup::create(layout, "pod");
  REQUIRE(cg);
  const std::string dir = root.path() + "/pod";
  add_v2_files(dir);

  Resources r;
  r.cpu_shares = 512;
  r.cpu_quota_us = 50000;
  r.memory_limit = 64 * 1024 * 1024;
  r.pids_limit = 100;
  REQUIRE(cg->apply(r));
  CHECK(read_text(dir + "/cpu.weight") == "59");
  CHECK(read_text(dir + "/cpu.max") == "50000 100000");
  CHECK(read_text(dir + "/memory.max") == "67108864");
  CHECK(read_text(dir + "/pids.max") == "100");

  Resources unlimited;
  unlimited.cpu_quota_us = -1;
  unlimited.cpu_period_us = 50000;
  unlimited.memory_limit = -1;
  unlimited.pids_limit = 0;
  REQUIRE(cg->apply(unlimited));
  CHECK(read_text(dir + "/cpu.max") == "max 50000");
  CHECK(read_text(dir + "/memory.max") == "max");
  CHECK(read_text(dir + "/pids.max") == "max");
  // Unset fields are left alone.
  CHECK(read_text(dir + "/cpu.weight") == "59");
}

TEST_CASE("fake v2: a missing controller fails apply with a message naming it") {
  TempDir root;
  add_v2_files(root.path());
  Layout layout = fake_v2(root.path());
  auto cg = Cgroup::create(layout, "pod");
  REQUIRE(cg);
  add_v2_files(root.path() + "/pod");
  std::filesystem::remove(root.path() + "/pod/memory.max");
  Resources r;
  r.memory_limit = 1 << 20;
  auto s = cg->apply(r);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == mk::Errc::unsupported);
  CHECK_THAT(s.error().message, Catch::Contains("memory controller") && Catch::Contains("cgroup pod"));
}

TEST_CASE("fake v2: usage reads cpu.stat, the working set, pids and OOM kills") {
  TempDir root;
  add_v2_files(root.path());
  Layout layout = fake_v2(root.path());
  auto cg = Cgroup::create(layout, "pod");
  REQUIRE(cg);
  const std::string dir = root.path() + "/pod";
  add_v2_files(dir);
  write_text(dir + "/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
  write_text(dir + "/memory.current", "1000000\n");
  write_text(dir + "/memory.stat", "anon 500000\nfile 500000\nactive_file 100000\ninactive_file 400000\n");
  write_text(dir + "/memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n");
  write_text(dir + "/pids.current", "3\n");
  auto u = cg->usage();
  REQUIRE(u);
  CHECK(u->cpu_usage_ns == 1500000);
  CHECK(u->memory_bytes == 600000);
  CHECK(u->pids == 3);
  CHECK(u->oom_kills == 1);

  // More inactive cache than usage (racy reads): zero, not a wrapped number.
  write_text(dir + "/memory.stat", "inactive_file 2000000\n");
  u = cg->usage();
  REQUIRE(u);
  CHECK(u->memory_bytes == 0);

  std::filesystem::remove_all(dir);
  auto gone = cg->usage();
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == mk::Errc::not_found);
}

TEST_CASE("fake v2: add, pids over the subtree, and kill_all through cgroup.kill") {
  TempDir root;
  add_v2_files(root.path());
  Layout layout = fake_v2(root.path());
  auto pod = Cgroup::create(layout, "pod");
  REQUIRE(pod);
  add_v2_files(root.path() + "/pod");
  auto app = Cgroup::create(layout, "pod/app");
  REQUIRE(app);
  add_v2_files(root.path() + "/pod/app");

  REQUIRE(app->add(999999990));
  CHECK(read_text(root.path() + "/pod/app/cgroup.procs") == "999999990");
  write_text(root.path() + "/pod/app/cgroup.procs", kFakePids);
  write_text(root.path() + "/pod/cgroup.procs", "999999993\n");
  CHECK(pod->pids() == std::vector<pid_t>{999999991, 999999992, 999999993});
  CHECK(app->pids() == std::vector<pid_t>{999999991, 999999992});

  auto opened = Cgroup::open(layout, "pod");
  REQUIRE(opened);
  REQUIRE(opened->kill_all());
  CHECK(read_text(root.path() + "/pod/cgroup.kill") == "1");
  CHECK(read_text(root.path() + "/pod/cgroup.freeze").empty());
}

TEST_CASE("fake hybrid: v1 hierarchies for resources, the cgroup2 mount for tracking") {
  TempDir root;
  Layout layout;
  layout.mode = Mode::hybrid;
  layout.unified = root.path() + "/unified";
  for (const char* c : {"cpu", "memory", "pids", "unified"}) std::filesystem::create_directory(root.path() + "/" + c);
  layout.v1 = {{"cpu", root.path() + "/cpu"}, {"cpuacct", root.path() + "/cpu"}, {"memory", root.path() + "/memory"},
               {"pids", root.path() + "/pids"}};
  auto cg = Cgroup::create(layout, "mk/pod");
  REQUIRE(cg);
  for (const char* c : {"cpu", "memory", "pids", "unified"}) CHECK(is_dir(root.path() + "/" + c + "/mk/pod"));
  // cpu and cpuacct share a mount: one entry for it.
  CHECK(cg->procs_files() == std::vector<std::string>{root.path() + "/cpu/mk/pod/cgroup.procs",
                                                     root.path() + "/memory/mk/pod/cgroup.procs",
                                                     root.path() + "/pids/mk/pod/cgroup.procs",
                                                     root.path() + "/unified/mk/pod/cgroup.procs"});
  for (const char* f : {"cpu/mk/pod/cpu.shares", "cpu/mk/pod/cpu.cfs_quota_us", "cpu/mk/pod/cpu.cfs_period_us",
                        "memory/mk/pod/memory.limit_in_bytes", "pids/mk/pod/pids.max"}) {
    write_text(root.path() + "/" + f, "");
  }
  Resources r;
  r.cpu_shares = 256;
  r.cpu_quota_us = 25000;
  r.memory_limit = 1 << 24;
  r.pids_limit = 5;
  REQUIRE(cg->apply(r));
  CHECK(read_text(root.path() + "/cpu/mk/pod/cpu.shares") == "256");
  CHECK(read_text(root.path() + "/cpu/mk/pod/cpu.cfs_quota_us") == "25000");
  CHECK(read_text(root.path() + "/cpu/mk/pod/cpu.cfs_period_us") == "100000");
  CHECK(read_text(root.path() + "/memory/mk/pod/memory.limit_in_bytes") == "16777216");
  CHECK(read_text(root.path() + "/pids/mk/pod/pids.max") == "5");
  Resources unlimited;
  unlimited.cpu_quota_us = -1;
  unlimited.memory_limit = -1;
  REQUIRE(cg->apply(unlimited));
  CHECK(read_text(root.path() + "/cpu/mk/pod/cpu.cfs_quota_us") == "-1");
  CHECK(read_text(root.path() + "/memory/mk/pod/memory.limit_in_bytes") == "-1");
  // Nothing was written on the cgroup2 side, which has no resource controllers here.
  CHECK_FALSE(std::filesystem::exists(root.path() + "/unified/mk/pod/memory.max"));
}

TEST_CASE("fake v2: without cgroup.kill, kill_all freezes, kills and always thaws") {
  TempDir root;
  add_v2_files(root.path());
  Layout layout = fake_v2(root.path());
  auto cg = Cgroup::create(layout, "pod");
  REQUIRE(cg);
  const std::string dir = root.path() + "/pod";
  add_v2_files(dir);
  std::filesystem::remove(dir + "/cgroup.kill");  // a kernel before 5.14
  write_text(dir + "/cgroup.events", "populated 1\nfrozen 1\n");
  write_text(dir + "/cgroup.procs", kFakePids);  // kill() finds no such process: not an error
  REQUIRE(cg->kill_all());
  CHECK(read_text(dir + "/cgroup.freeze") == "0");
  CHECK_FALSE(std::filesystem::exists(dir + "/cgroup.kill"));
}

TEST_CASE("fake hybrid: usage from cpuacct, memory and pids of v1") {
  TempDir root;
  Layout layout;
  layout.mode = Mode::hybrid;
  layout.unified = root.path() + "/unified";
  for (const char* c : {"cpuacct", "memory", "pids", "unified"}) std::filesystem::create_directory(root.path() + "/" + c);
  layout.v1 = {{"cpuacct", root.path() + "/cpuacct"}, {"memory", root.path() + "/memory"}, {"pids", root.path() + "/pids"}};
  auto cg = Cgroup::create(layout, "pod");
  REQUIRE(cg);
  write_text(root.path() + "/cpuacct/pod/cpuacct.usage", "123456789\n");
  write_text(root.path() + "/memory/pod/memory.usage_in_bytes", "5000000\n");
  write_text(root.path() + "/memory/pod/memory.stat", "cache 10\ninactive_file 99\ntotal_cache 10\ntotal_inactive_file 1000000\n");
  write_text(root.path() + "/memory/pod/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  write_text(root.path() + "/pids/pod/pids.current", "4\n");
  auto u = cg->usage();
  REQUIRE(u);
  CHECK(u->cpu_usage_ns == 123456789);
  CHECK(u->memory_bytes == 4000000);
  CHECK(u->oom_kills == 2);
  CHECK(u->pids == 4);
}
