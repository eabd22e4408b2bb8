#pragma once
// A seccomp profile as data, the shape of the OCI/Docker JSON: a default action and rules.

#include <cstdint>
#include <string>
#include <vector>

namespace mk::runtime::seccomp {

enum class Action { allow, errno_ret, kill_thread, kill_process, trap, trace, log };

enum class Op { ne, lt, le, eq, ge, gt, masked_eq };

struct ArgCondition {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;  // masked_eq: (arg & value) == value_two
  Op op = Op::eq;
};

// Conditions of a Docker profile rule ("includes"/"excludes"); empty lists match everything.
struct Filter {
  std::vector<std::string> caps;    // "CAP_SYS_ADMIN"
  std::vector<std::string> arches;  // "amd64", "arm64", ... (Go names, as Docker uses)
};

struct Rule {
  std::vector<std::string> names;
  Action action = Action::allow;
  uint32_t errno_ret = 1;  // for errno_ret (EPERM unless given), trace
  std::vector<ArgCondition> args;
  Filter includes, excludes;
};

struct Profile {
  Action default_action = Action::errno_ret;
  uint32_t default_errno = 1;  // EPERM
  // libseccomp architecture names ("x86_64", "x86", "aarch64"); empty: native + companions.
  std::vector<std::string> architectures;
  std::vector<Rule> rules;
};

}  // namespace mk::runtime::seccomp
