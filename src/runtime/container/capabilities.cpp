// Capabilities without libcap: names, set arithmetic and the raw prctl/capset calls.

#include "runtime/container/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <string>

namespace mk::runtime::container {
namespace {

constexpr std::array<std::string_view, 41> kNames = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",         "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",      "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",    "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",    "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",     "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",  "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",    "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",   "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

uint64_t bit(int cap) { return uint64_t{1} << cap; }

uint64_t all_up_to(int last_cap) { return last_cap >= 63 ? ~uint64_t{0} : bit(last_cap + 1) - 1; }

bool has_all(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) { return n == "ALL" || n == "CAP_ALL"; });
}

}  // namespace

int last_capability() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = -1;
  if (in >> last && last > 0 && last < 64) return last;
  return CAP_LAST_CAP;
}

Result<int> capability_number(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  if (upper.rfind("CAP_", 0) != 0) upper = "CAP_" + upper;
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == upper) return static_cast<int>(i);
  }
  return make_error(Errc::invalid_argument, "unknown capability \"" + std::string(name) + "\"");
}

std::string_view capability_name(int cap) {
  if (cap < 0 || static_cast<size_t>(cap) >= kNames.size()) return "";
  return kNames[static_cast<size_t>(cap)];
}

uint64_t default_capabilities() {
  uint64_t set = 0;
  for (int cap : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
                  CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,
                  CAP_AUDIT_WRITE}) {
    set |= bit(cap);
  }
  return set;
}

Result<uint64_t> capability_set(const Process& process, int last_cap) {
  uint64_t all = all_up_to(last_cap);
  if (process.privileged) return all;
  uint64_t set = default_capabilities();
  if (has_all(process.cap_add)) set = all;
  if (has_all(process.cap_drop)) set = 0;
  for (const auto& name : process.cap_add) {
    if (name == "ALL" || name == "CAP_ALL") continue;
    auto cap = capability_number(name);
    if (!cap) return cap.error();
    set |= bit(*cap);
  }
  for (const auto& name : process.cap_drop) {
    if (name == "ALL" || name == "CAP_ALL") continue;
    auto cap = capability_number(name);
    if (!cap) return cap.error();
    set &= ~bit(*cap);
  }
  return set & all;
}

Status drop_bounding_set(uint64_t set, int last_cap) {
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (set & bit(cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return errno_error("drop " + std::string(capability_name(cap)) + " from the bounding set", errno);
    }
  }
  return Status::ok();
}

Status set_process_capabilities(uint64_t set) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    auto word = static_cast<uint32_t>(set >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = 0;  // non-empty inheritable sets were CVE-2022-29162
  }
  if (::syscall(SYS_capset, &header, data) != 0) return errno_error("set capabilities", errno);
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return errno_error("clear ambient capabilities", errno);
  }
  return Status::ok();
}

}  // namespace mk::runtime::container
