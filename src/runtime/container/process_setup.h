#pragma once
// The part of a container process's life shared by start and exec: what is decided in the
// runtime before clone (capability set, compiled seccomp program, clamped rlimits), and what
// the child applies just before execve (stdio, identity, capabilities, no_new_privs, seccomp).

#include <cstdint>
#include <optional>

#include "common/error.h"
#include "runtime/container/container.h"
#include "runtime/seccomp/seccomp.h"

namespace mk::runtime::container {

struct ProcessPlan {
  Process process;  // rlimits clamped to the host's hard limits
  uint64_t capabilities = 0;
  int last_cap = 0;
  std::optional<seccomp::Program> filter;  // none: unconfined or privileged
};

// Runtime side: validates the process and prepares everything the child will need.
Result<ProcessPlan> plan_process(const Process& process);

// Child side, first: puts the configured stdio (or /dev/null, or the terminal as controlling
// tty of a new session) on fds 0-2, moves `error_fd` to 3 and closes every other fd, so no fd
// of the runtime survives into the container (CVE-2024-21626).
Status setup_stdio(const Process& process, int& error_fd);

// Child side: back to default signal dispositions (an ignored SIGPIPE would be inherited).
void reset_signal_dispositions();

// Child side, last: rlimits, user, cwd, capabilities, no_new_privs, seccomp, execve. Returns
// only on failure.
Status exec_process(const ProcessPlan& plan);

}  // namespace mk::runtime::container
