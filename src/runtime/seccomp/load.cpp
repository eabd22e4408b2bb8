// Installing a compiled program: a raw seccomp(2) call, usable right before execve in a child
// of clone, where libseccomp and allocation are better avoided.

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/seccomp/seccomp.h"

namespace mk::runtime::seccomp {

static_assert(sizeof(Instruction) == sizeof(sock_filter), "Instruction must match struct sock_filter");

int install(const Program& program) noexcept {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.instructions.size());
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<Instruction*>(program.instructions.data()));
  // SPEC_ALLOW: do not force the speculative store bypass mitigation on the container
  // (the kernels that do not know the flag answer EINVAL; then without it).
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) == 0) return 0;
  if (errno != EINVAL) return errno;
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) return 0;
  return errno;
}

}  // namespace mk::runtime::seccomp
