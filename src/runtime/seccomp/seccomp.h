#pragma once
// Seccomp filters for containers: a profile (Kubernetes' RuntimeDefault or a Localhost
// OCI/Docker JSON file) compiled into a classic BPF program before the container process is
// cloned. Loading it is one raw syscall, safe in the child after clone.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/seccomp/profile.h"

namespace mk::runtime::seccomp {

// One BPF instruction, laid out as the kernel's struct sock_filter.
struct Instruction {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};

struct Program {
  std::vector<Instruction> instructions;
};

// Whether the container will hold a capability ("CAP_SYS_ADMIN"): profiles allow some
// syscalls only to containers that have a given capability.
using HasCapability = std::function<bool(std::string_view name)>;

// The profile Kubernetes calls RuntimeDefault (moby's default.json, as containerd ships it).
Profile runtime_default_profile();

// Parses an OCI runtime-spec `linux.seccomp` object or a Docker seccomp profile.
Result<Profile> parse_profile(std::string_view json_text);
Result<Profile> load_profile_file(const std::string& path);

// Compiles for the native architecture and its companions (x86_64: x86, x32; aarch64: arm).
Result<Program> compile(const Profile& profile, const HasCapability& has_capability);

// Installs the program on the calling thread (seccomp(2), SECCOMP_FILTER_FLAG_SPEC_ALLOW when
// the kernel knows it). Returns 0 or an errno value; allocates nothing.
int install(const Program& program) noexcept;

}  // namespace mk::runtime::seccomp
