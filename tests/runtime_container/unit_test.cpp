// Pure logic of the container runtime: users, capability sets, mount options, PATH lookup
// messages and seccomp profiles.

#include <sys/mount.h>

#include <catch2/catch.hpp>

#include "runtime/container/capabilities.h"
#include "runtime/container/mount_options.h"
#include "runtime/container/user.h"
#include "runtime/seccomp/seccomp.h"

namespace ctr = mk::runtime::container;
namespace sc = mk::runtime::seccomp;

namespace {
constexpr const char* kPasswd = "root:x:0:0:root:/root:/bin/sh\n# comment\nweb:x:33:34:www:/var/www:/bin/false\n";
constexpr const char* kGroup = "root:x:0:\nwww:x:34:\nadm:x:4:web,other\nstaff:x:50:other\n";
}  // namespace

TEST_CASE("users resolve by name, by id and with a group", "[container][unit]") {
  auto id = ctr::resolve_identity("web", kPasswd, kGroup, {});
  REQUIRE(id.has_value());
  CHECK(id->uid == 33);
  CHECK(id->gid == 34);
  CHECK(id->groups == std::vector<uint32_t>{4});
  CHECK(id->home == "/var/www");

  id = ctr::resolve_identity("33:staff", kPasswd, kGroup, {99});
  REQUIRE(id.has_value());
  CHECK(id->gid == 50);
  CHECK(id->groups == std::vector<uint32_t>{4, 99});

  id = ctr::resolve_identity("1234", "", "", {});
  REQUIRE(id.has_value());
  CHECK(id->uid == 1234);
  CHECK(id->gid == 0);
  CHECK(id->groups.empty());

  CHECK(ctr::resolve_identity("ghost", kPasswd, kGroup, {}).error().message ==
        "unable to find user ghost: no matching entries in passwd file");
  CHECK(ctr::resolve_identity("web:ghosts", kPasswd, kGroup, {}).error().message ==
        "unable to find group ghosts: no matching entries in group file");
}

TEST_CASE("capability sets follow the CRI's add/drop rules", "[container][unit]") {
  ctr::Process p;
  int last = 40;
  CHECK(*ctr::capability_set(p, last) == 0xa80425fbULL);
  p.cap_add = {"NET_ADMIN"};
  p.cap_drop = {"CAP_KILL"};
  CHECK(*ctr::capability_set(p, last) == ((0xa80425fbULL | (1ULL << 12)) & ~(1ULL << 5)));
  p.cap_add = {"ALL"};
  p.cap_drop = {"SYS_ADMIN"};
  CHECK(*ctr::capability_set(p, last) == (((1ULL << 41) - 1) & ~(1ULL << 21)));
  p.cap_add = {"chown"};
  p.cap_drop = {"ALL"};
  CHECK(*ctr::capability_set(p, last) == 1);
  p.privileged = true;
  CHECK(*ctr::capability_set(p, last) == (1ULL << 41) - 1);
  CHECK(ctr::capability_number("CAP_BPF").value() == 39);
  CHECK_FALSE(ctr::capability_number("FLY").has_value());
}

TEST_CASE("mount options split into flags, propagation and data", "[container][unit]") {
  auto o = ctr::parse_mount_options({"rbind", "ro", "nosuid", "rprivate", "size=1m", "mode=755"});
  CHECK(o.bind);
  CHECK(o.recursive);
  CHECK(o.flags == (MS_RDONLY | MS_NOSUID));
  CHECK(o.propagation == (MS_PRIVATE | MS_REC));
  CHECK(o.data == "size=1m,mode=755");
  CHECK(ctr::parse_mount_options({"ro", "rw"}).flags == 0);
}

TEST_CASE("seccomp: RuntimeDefault compiles, JSON profiles parse", "[seccomp][unit]") {
  auto none = [](std::string_view) { return false; };
  auto program = sc::compile(sc::runtime_default_profile(), none);
  REQUIRE(program.has_value());
  CHECK(program->instructions.size() > 100);

  auto profile = sc::parse_profile(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
                {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"name": "kill", "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_BOOT"]}}
    ]})");
  REQUIRE(profile.has_value());
  CHECK(profile->rules.size() == 3);
  CHECK(profile->rules[1].args.size() == 1);
  CHECK(profile->rules[2].includes.caps == std::vector<std::string>{"CAP_SYS_BOOT"});
  CHECK(sc::compile(*profile, none).has_value());

  CHECK_FALSE(sc::parse_profile("[]").has_value());
  auto bad = sc::parse_profile(R"({"defaultAction": "SCMP_ACT_NOTIFY"})");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message == "parse seccomp profile: seccomp action \"SCMP_ACT_NOTIFY\" is not supported");
}
