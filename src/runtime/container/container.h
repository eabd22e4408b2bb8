#pragma once
// Starting a container process: what crun/runc do between clone() and execve(), as a library.
// The caller (the pod shim) becomes the container's parent and reaps it. Everything the child
// needs is decided before clone(); the child only applies it, then reports success (exec) or the
// first failure through a close-on-exec pipe, so a failure has a clear message, as upstream words
// it (`exec: "nope": executable file not found in $PATH`).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::container {

struct Mount {
  std::string source;
  std::string destination;  // inside the container
  std::string type;         // "bind", "tmpfs", "proc", ...
  std::vector<std::string> options;  // "ro", "nosuid", "nodev", "noexec", "rbind", "size=..."
};

// A namespace to enter (path of an nsfs file, e.g. a pod's held net namespace) or, with an
// empty path, to create.
struct Namespace {
  int type = 0;  // CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWCGROUP
  std::string path;
};

enum class Seccomp { unconfined, runtime_default, localhost };

struct Rlimit {
  int resource = 0;
  uint64_t soft = 0;
  uint64_t hard = 0;  // clamped to the host's hard limit
};

struct Process {
  std::vector<std::string> args;  // args[0] looked up in the container's PATH when it has no '/'
  std::vector<std::string> env;   // "NAME=value"
  std::string cwd = "/";
  // "uid", "uid:gid", "name" or "name:group", resolved against the container's /etc/passwd and
  // /etc/group; supplementary groups from /etc/group plus `extra_groups`.
  std::string user = "0";
  std::vector<uint32_t> extra_groups;
  std::vector<std::string> cap_add, cap_drop;  // "NET_ADMIN" or "CAP_NET_ADMIN"; "ALL"
  bool privileged = false;
  bool no_new_privs = true;
  Seccomp seccomp = Seccomp::runtime_default;
  std::string seccomp_profile;  // for localhost: path of an OCI/Docker JSON profile
  std::vector<Rlimit> rlimits;
  std::optional<int> oom_score_adj;  // a refusal to lower it is a warning, not a failure
  // stdio: fds the child dup2()s onto 0, 1, 2 (-1: /dev/null). With a TTY, `terminal` is the
  // pty's secondary side and becomes the controlling terminal.
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
  int terminal = -1;
};

struct Config {
  std::string id;  // for messages
  // Root filesystem: an overlay of `layers` (lowest first) with `upper`/`work`, mounted at
  // `rootfs`; or, with no layers, `rootfs` used as it is (bind-mounted onto itself).
  std::vector<std::string> layers;
  std::string upper, work, rootfs;
  bool read_only_rootfs = false;
  std::string hostname;  // only with a new UTS namespace
  std::vector<Namespace> namespaces;  // a new mount namespace is always made
  std::vector<Mount> mounts;          // after /proc, /dev, /sys, in order
  std::vector<std::string> masked_paths, readonly_paths;  // empty: Kubernetes' defaults
  std::vector<std::string> cgroup_procs;  // cgroup.procs files the child joins before exec
  Process process;
};

// Kubernetes' default masked and read-only paths (pkg/securitycontext).
const std::vector<std::string>& default_masked_paths();
const std::vector<std::string>& default_readonly_paths();

// Clones the container's first process and returns its pid once it has exec'd the entrypoint
// (or the error the child met, after reaping it). The caller must reap the pid later.
Result<pid_t> start(const Config& config);

// Runs another process in a running container (`pid` is its first process): setns into its
// namespaces, joins its cgroup, applies the same security settings. Returns the new pid, a
// child of the caller.
struct ExecConfig {
  pid_t target = 0;
  std::vector<std::string> cgroup_procs;
  std::string rootfs_hint;  // not needed for setns; used in messages
  Process process;
};
Result<pid_t> exec(const ExecConfig& config);

}  // namespace mk::runtime::container
