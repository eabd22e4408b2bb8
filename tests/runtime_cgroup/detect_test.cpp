#include <catch2/catch.hpp>

#include "runtime/cgroup/cgroup.h"
#include "runtime_cgroup/temp_dir.h"

using namespace mk::runtime::cgroup;
using mk::test::TempDir;
using mk::test::write_text;

namespace {

// The development machines: v1 controllers one per mount, name=systemd, an empty cgroup2 mount.
std::string hybrid_mountinfo(const std::string& unified) {
  return "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
         "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
         "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
         "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
         "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
         "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
         "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
         "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
         "41 31 0:38 / " + unified + " rw,relatime - cgroup2 cgroup2 rw\n";
}

}  // namespace

TEST_CASE("detect: hybrid layout with one mount per v1 controller") {
  TempDir unified;
  write_text(unified.path() + "/cgroup.controllers", "hugetlb\n");
  auto layout = detect(hybrid_mountinfo(unified.path()));
  REQUIRE(layout);
  CHECK(layout->mode == Mode::hybrid);
  CHECK(layout->unified == unified.path());
  CHECK(layout->v1_mount("cpu") == "/sys/fs/cgroup/cpu");
  CHECK(layout->v1_mount("cpuacct") == "/sys/fs/cgroup/cpuacct");
  CHECK(layout->v1_mount("memory") == "/sys/fs/cgroup/memory");
  CHECK(layout->v1_mount("pids") == "/sys/fs/cgroup/pids");
  CHECK(layout->v1_mount("systemd").empty());
  CHECK(layout->v1_mount("name=systemd").empty());
  CHECK(layout->v1.size() == 6);
  CHECK(layout->v2_has("hugetlb"));
  CHECK_FALSE(layout->v2_has("memory"));
}

TEST_CASE("detect: pure v2 reads the controllers from the mount") {
  TempDir root;
  write_text(root.path() + "/cgroup.controllers", "cpuset cpu io memory pids\n");
  std::string text =
      "24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
      "28 24 0:24 / " + root.path() + " rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
  auto layout = detect(text);
  REQUIRE(layout);
  CHECK(layout->mode == Mode::v2);
  CHECK(layout->unified == root.path());
  CHECK(layout->v1.empty());
  CHECK(layout->v2_has("memory"));
  CHECK(layout->v2_has("cpu"));
  CHECK_FALSE(layout->v2_has("hugetlb"));
}

TEST_CASE("detect: v2 without a memory controller (Raspberry Pi kernel defaults)") {
  TempDir root;
  write_text(root.path() + "/cgroup.controllers", "cpuset cpu io pids\n");
  auto layout = detect("28 24 0:24 / " + root.path() + " rw shared:9 - cgroup2 cgroup2 rw\n");
  REQUIRE(layout);
  CHECK(layout->mode == Mode::v2);
  CHECK_FALSE(layout->v2_has("memory"));
  CHECK(layout->v2_has("pids"));
}

TEST_CASE("detect: pure v1 with co-mounted controllers and options") {
  std::string text =
      "25 24 0:21 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
      "26 25 0:22 / /sys/fs/cgroup/systemd rw,nosuid shared:9 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n"
      "29 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 - cgroup cgroup rw,cpu,cpuacct\n"
      "30 25 0:26 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:12 - cgroup cgroup rw,net_cls,net_prio\n"
      "31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:13 - cgroup cgroup rw,memory\n"
      "32 25 0:28 / /sys/fs/cgroup/cpuset rw,nosuid shared:14 - cgroup cgroup rw,clone_children,cpuset\n";
  auto layout = detect(text);
  REQUIRE(layout);
  CHECK(layout->mode == Mode::v1);
  CHECK(layout->unified.empty());
  CHECK(layout->v1_mount("cpu") == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(layout->v1_mount("cpuacct") == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(layout->v1_mount("net_prio") == "/sys/fs/cgroup/net_cls,net_prio");
  CHECK(layout->v1_mount("cpuset") == "/sys/fs/cgroup/cpuset");
  CHECK(layout->v1_mount("clone_children").empty());
  CHECK(layout->v1_mount("xattr").empty());
  CHECK(layout->v1.size() == 6);
  CHECK_FALSE(layout->v2_has("memory"));
}

TEST_CASE("detect: escaped mount points and a repeated mount keep the first") {
  std::string text =
      "31 25 0:27 / /run/my\\040cgroups/memory rw - cgroup cgroup rw,memory\n"
      "40 25 0:27 / /mnt/other rw - cgroup cgroup rw,memory\n";
  auto layout = detect(text);
  REQUIRE(layout);
  CHECK(layout->v1_mount("memory") == "/run/my cgroups/memory");
  CHECK(layout->v1.size() == 1);
}

TEST_CASE("detect: no cgroup mount at all, or only a named hierarchy, is unsupported") {
  auto none = detect("24 30 0:22 / /sys rw - sysfs sysfs rw\n");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == mk::Errc::unsupported);
  auto named = detect("26 25 0:22 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n");
  REQUIRE_FALSE(named);
  CHECK(named.error().code == mk::Errc::unsupported);
}

TEST_CASE("detect: this process's own mountinfo gives a usable layout") {
  auto layout = detect();
  REQUIRE(layout);
  CHECK((!layout->unified.empty() || !layout->v1.empty()));
}
