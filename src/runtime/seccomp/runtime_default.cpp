// RuntimeDefault: the profile moby publishes as profiles/seccomp/default.json and containerd
// builds in contrib/seccomp. Everything not listed fails with EPERM; syscalls that need a
// capability to be useful are allowed only when the container holds it.

#include <cerrno>
#include <initializer_list>
#include <string>
#include <vector>

#include "runtime/seccomp/seccomp.h"

namespace mk::runtime::seccomp {
namespace {

// Everyday syscalls: files, processes, memory, signals, sockets, time, polling, IPC.
constexpr const char* kAllowed[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
    "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
    "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
    "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32",
    "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
    "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync",
    "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait",
    "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64",
    "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
    "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
    "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
    "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
    "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
    "ioctl", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get",
    "ioprio_set", "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule",
    "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr",
    "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek",
    "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create",
    "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2",
    "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
    "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
    "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
    "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open",
    "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
    "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
    "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
    "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
    "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
    "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
    "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
    "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
    "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
    "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
    "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
    "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
    "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr", "shmat",
    "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
    "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
    "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo",
    "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
    "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
    "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
    "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev",
    // Harmless since Linux 4.8 (ptrace can no longer bypass seccomp).
    "ptrace", "process_vm_readv", "process_vm_writev",
    // x86 only; other architectures do not know the names and skip them.
    "arch_prctl", "modify_ldt",
    // arm only.
    "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
    "set_tls",
};

Rule allow(std::initializer_list<const char*> names, std::initializer_list<const char*> caps = {}) {
  Rule r;
  for (const char* n : names) r.names.emplace_back(n);
  for (const char* c : caps) r.includes.caps.emplace_back(c);
  return r;
}

Rule with_arg(const char* name, Op op, uint64_t value, uint64_t value_two = 0) {
  Rule r;
  r.names.emplace_back(name);
  r.args.push_back(ArgCondition{0, value, value_two, op});
  return r;
}

}  // namespace

Profile runtime_default_profile() {
  Profile p;
  p.default_action = Action::errno_ret;
  p.default_errno = EPERM;

  Rule everyday;
  for (const char* n : kAllowed) everyday.names.emplace_back(n);
  p.rules.push_back(std::move(everyday));

  // personality(2) only for the personas programs really ask for (and the query 0xffffffff).
  for (uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    p.rules.push_back(with_arg("personality", Op::eq, persona));
  }
  // socket(2) for every family but AF_ALG (38) and AF_VSOCK (40). Separate rules, because
  // conditions on one argument inside a rule would be ANDed.
  p.rules.push_back(with_arg("socket", Op::lt, 38));
  p.rules.push_back(with_arg("socket", Op::eq, 39));
  p.rules.push_back(with_arg("socket", Op::gt, 40));

  // Without CAP_SYS_ADMIN, clone(2) may not create namespaces, and clone3(2) reports ENOSYS
  // (its flags live in memory BPF cannot read) so that libc falls back to clone(2).
  constexpr uint64_t kNamespaceFlags = 0x7E020000;  // NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
  Rule clone_plain = with_arg("clone", Op::masked_eq, kNamespaceFlags, 0);
  clone_plain.excludes.caps.emplace_back("CAP_SYS_ADMIN");
  p.rules.push_back(std::move(clone_plain));
  Rule clone3_enosys;
  clone3_enosys.names.emplace_back("clone3");
  clone3_enosys.action = Action::errno_ret;
  clone3_enosys.errno_ret = ENOSYS;
  clone3_enosys.excludes.caps.emplace_back("CAP_SYS_ADMIN");
  p.rules.push_back(std::move(clone3_enosys));

  p.rules.push_back(allow({"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
                           "fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount",
                           "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
                           "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2",
                           "unshare"},
                          {"CAP_SYS_ADMIN"}));
  p.rules.push_back(allow({"reboot"}, {"CAP_SYS_BOOT"}));
  p.rules.push_back(allow({"chroot"}, {"CAP_SYS_CHROOT"}));
  p.rules.push_back(allow({"delete_module", "init_module", "finit_module"}, {"CAP_SYS_MODULE"}));
  p.rules.push_back(allow({"acct"}, {"CAP_SYS_PACCT"}));
  p.rules.push_back(allow({"kcmp", "pidfd_getfd", "process_madvise"}, {"CAP_SYS_PTRACE"}));
  p.rules.push_back(allow({"iopl", "ioperm"}, {"CAP_SYS_RAWIO"}));
  p.rules.push_back(allow({"settimeofday", "stime", "clock_settime", "clock_settime64"}, {"CAP_SYS_TIME"}));
  p.rules.push_back(allow({"vhangup"}, {"CAP_SYS_TTY_CONFIG"}));
  p.rules.push_back(allow({"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"},
                          {"CAP_SYS_NICE"}));
  p.rules.push_back(allow({"syslog"}, {"CAP_SYSLOG"}));
  p.rules.push_back(allow({"bpf"}, {"CAP_BPF"}));
  p.rules.push_back(allow({"perf_event_open"}, {"CAP_PERFMON"}));
  p.rules.push_back(allow({"open_by_handle_at"}, {"CAP_DAC_READ_SEARCH"}));
  return p;
}

}  // namespace mk::runtime::seccomp
