// Compiling a profile with libseccomp and exporting the BPF program, in the runtime process:
// the container's first process never runs libseccomp code.

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/log.h"
#include "runtime/seccomp/seccomp.h"

namespace mk::runtime::seccomp {
namespace {

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxRelease>;

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

uint32_t scmp_action(Action a, uint32_t errno_ret) {
  switch (a) {
    case Action::allow: return SCMP_ACT_ALLOW;
    case Action::errno_ret: return SCMP_ACT_ERRNO(errno_ret);
    case Action::kill_thread: return SCMP_ACT_KILL;
    case Action::kill_process: return SCMP_ACT_KILL_PROCESS;
    case Action::trap: return SCMP_ACT_TRAP;
    case Action::trace: return SCMP_ACT_TRACE(errno_ret);
    case Action::log: return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare scmp_op(Op op) {
  switch (op) {
    case Op::ne: return SCMP_CMP_NE;
    case Op::lt: return SCMP_CMP_LT;
    case Op::le: return SCMP_CMP_LE;
    case Op::eq: return SCMP_CMP_EQ;
    case Op::ge: return SCMP_CMP_GE;
    case Op::gt: return SCMP_CMP_GT;
    case Op::masked_eq: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

// The architecture names Docker profiles use in "includes"/"excludes".
std::string native_go_arch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#else
  return "";
#endif
}

std::vector<std::string> companion_arches() {
#if defined(__x86_64__)
  return {"x86", "x32"};
#elif defined(__aarch64__)
  return {"arm"};
#else
  return {};
#endif
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool rule_applies(const Rule& r, const HasCapability& has_cap) {
  std::string arch = native_go_arch();
  if (!r.includes.arches.empty() && !contains(r.includes.arches, arch)) return false;
  if (!r.excludes.arches.empty() && contains(r.excludes.arches, arch)) return false;
  for (const auto& c : r.includes.caps) {
    if (!has_cap(c)) return false;
  }
  for (const auto& c : r.excludes.caps) {
    if (has_cap(c)) return false;
  }
  return true;
}

Status add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const std::string& name,
                const std::vector<ArgCondition>& args) {
  std::vector<scmp_arg_cmp> cmps;
  for (const auto& a : args) cmps.push_back(scmp_arg_cmp{a.index, scmp_op(a.op), a.value, a.value_two});
  // Conditions on distinct arguments are ANDed in one rule; several conditions on the same
  // argument mean alternatives (runc's reading of the OCI spec), so each gets its own rule.
  bool distinct = true;
  for (size_t i = 0; i < args.size(); ++i) {
    for (size_t k = i + 1; k < args.size(); ++k) distinct = distinct && args[i].index != args[k].index;
  }
  auto add = [&](unsigned n, const scmp_arg_cmp* c) -> Status {
    int rc = seccomp_rule_add_array(ctx, action, nr, n, c);
    if (rc < 0) return errno_error("add seccomp rule for " + name, -rc);
    return Status::ok();
  };
  if (cmps.empty() || distinct) return add(static_cast<unsigned>(cmps.size()), cmps.data());
  for (const auto& c : cmps) {
    if (auto s = add(1, &c); !s) return s;
  }
  return Status::ok();
}

}  // namespace

Result<Program> compile(const Profile& profile, const HasCapability& has_capability) {
  uint32_t default_action = scmp_action(profile.default_action, profile.default_errno);
  Ctx ctx(seccomp_init(default_action));
  if (!ctx) return make_error(Errc::invalid_argument, "compile seccomp profile: invalid default action");
  // The program is installed by the container's first process itself; libseccomp must not
  // decide about no_new_privs.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);

  std::vector<std::string> arches = profile.architectures;
  if (arches.empty()) arches = companion_arches();
  for (const auto& name : arches) {
    uint32_t token = seccomp_arch_resolve_name(name.c_str());
    if (token == 0) {
      MK_LOG(debug) << "seccomp: architecture " << name << " unknown to libseccomp, skipped";
      continue;
    }
    int rc = seccomp_arch_add(ctx.get(), token);
    if (rc < 0 && rc != -EEXIST) return errno_error("add seccomp architecture " + name, -rc);
  }

  for (const auto& rule : profile.rules) {
    if (!rule_applies(rule, has_capability)) continue;
    uint32_t action = scmp_action(rule.action, rule.errno_ret);
    if (action == default_action) continue;  // libseccomp refuses rules that change nothing
    for (const auto& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        // Newer than this libseccomp or not on this architecture: the default action applies.
        MK_LOG(debug) << "seccomp: syscall " << name << " unknown, rule skipped";
        continue;
      }
      if (auto s = add_rule(ctx.get(), action, nr, name, rule.args); !s) return s.error().wrap("compile seccomp profile");
    }
  }

  FdCloser mem{::memfd_create("seccomp-bpf", MFD_CLOEXEC)};
  if (mem.fd < 0) return errno_error("compile seccomp profile: memfd_create", errno);
  if (int rc = seccomp_export_bpf(ctx.get(), mem.fd); rc < 0) return errno_error("export seccomp BPF", -rc);
  off_t size = ::lseek(mem.fd, 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(Instruction)) != 0) {
    return make_error(Errc::internal, "export seccomp BPF: unexpected size " + std::to_string(size));
  }
  Program program;
  program.instructions.resize(static_cast<size_t>(size) / sizeof(Instruction));
  if (::pread(mem.fd, program.instructions.data(), static_cast<size_t>(size), 0) != size) {
    return errno_error("read exported seccomp BPF", errno);
  }
  return program;
}

}  // namespace mk::runtime::seccomp
