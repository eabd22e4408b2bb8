#include "runtime/container/mount_options.h"

#include <sys/mount.h>

#include <string_view>

namespace mk::runtime::container {
namespace {

struct FlagOption {
  std::string_view name;
  bool clear;
  unsigned long flag;
};

constexpr FlagOption kFlags[] = {
    {"ro", false, MS_RDONLY},           {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},       {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},         {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},       {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},     {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},        {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},  {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},  {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
};

struct PropagationOption {
  std::string_view name;
  unsigned long flags;
};

constexpr PropagationOption kPropagation[] = {
    {"private", MS_PRIVATE},           {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},               {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},             {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE},     {"runbindable", MS_UNBINDABLE | MS_REC},
};

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
  MountOptions out;
  for (const auto& opt : options) {
    if (opt == "bind") {
      out.bind = true;
      continue;
    }
    if (opt == "rbind") {
      out.bind = out.recursive = true;
      continue;
    }
    bool known = false;
    for (const auto& f : kFlags) {
      if (opt == f.name) {
        out.flags = f.clear ? out.flags & ~f.flag : out.flags | f.flag;
        known = true;
        break;
      }
    }
    for (const auto& p : kPropagation) {
      if (!known && opt == p.name) {
        out.propagation = p.flags;
        known = true;
      }
    }
    if (known) continue;
    if (!out.data.empty()) out.data += ',';
    out.data += opt;
  }
  return out;
}

}  // namespace mk::runtime::container
