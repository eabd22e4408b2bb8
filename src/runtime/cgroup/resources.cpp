// Cgroup::apply: Kubernetes resources to the files of the cgroup's controllers.
#include <cerrno>
#include <cmath>
#include <string>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_files.h"

namespace mk::runtime::cgroup {
namespace {

// Writes one setting. A missing file means the controller is absent, which deserves its own
// message: on Raspberry Pi OS the memory controller is off unless the kernel is told otherwise.
Status set(const std::string& dir, const std::string& controller, const std::string& file, const std::string& value) {
  const std::string path = dir + "/" + file;
  if (!files::exists(path)) {
    std::string hint = controller == "memory" ? " (add cgroup_memory=1 cgroup_enable=memory to the kernel command line)" : "";
    return make_error(Errc::unsupported, "set " + file + " in " + dir + ": the " + controller + " controller is not available" + hint);
  }
  return files::write(path, value);
}

// The directory of `controller` for a v1 resource, or "" when it is not mounted.
std::string v1_dir(const Layout& layout, const std::string& controller, const std::string& path) {
  std::string mount = layout.v1_mount(controller);
  return mount.empty() ? "" : mount + "/" + path;
}

Status set_v1(const Layout& layout, const std::string& path, const std::string& controller, const std::string& file,
              const std::string& value) {
  std::string dir = v1_dir(layout, controller, path);
  if (dir.empty()) return make_error(Errc::unsupported, "set " + file + " of cgroup " + path + ": the " + controller + " controller is not mounted");
  return set(dir, controller, file, value);
}

}  // namespace

uint64_t shares_to_weight(uint64_t shares) {
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  // A quadratic in log2(shares) through (2, 1), (1024, 100) and (262144, 10000).
  const double l = std::log2(static_cast<double>(shares));
  const double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

Status Cgroup::apply(const Resources& r) {
  const std::string what = "apply resources to cgroup " + path_;
  const std::string period = std::to_string(r.cpu_period_us);
  const bool quota_set = r.cpu_quota_us && *r.cpu_quota_us >= 0;
  Status s;
  if (layout_.mode == Mode::v2) {
    const std::string dir = layout_.unified + "/" + path_;
    if (r.cpu_shares && s) s = set(dir, "cpu", "cpu.weight", std::to_string(shares_to_weight(*r.cpu_shares)));
    if (r.cpu_quota_us && s) s = set(dir, "cpu", "cpu.max", (quota_set ? std::to_string(*r.cpu_quota_us) : "max") + " " + period);
    if (r.memory_limit && s) s = set(dir, "memory", "memory.max", *r.memory_limit >= 0 ? std::to_string(*r.memory_limit) : "max");
    if (r.pids_limit && s) s = set(dir, "pids", "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max");
  } else {
    if (r.cpu_shares && s) s = set_v1(layout_, path_, "cpu", "cpu.shares", std::to_string(*r.cpu_shares));
    // The period first: the quota is checked against it.
    if (r.cpu_quota_us && s) s = set_v1(layout_, path_, "cpu", "cpu.cfs_period_us", period);
    if (r.cpu_quota_us && s) s = set_v1(layout_, path_, "cpu", "cpu.cfs_quota_us", quota_set ? std::to_string(*r.cpu_quota_us) : "-1");
    if (r.memory_limit && s) s = set_v1(layout_, path_, "memory", "memory.limit_in_bytes", *r.memory_limit >= 0 ? std::to_string(*r.memory_limit) : "-1");
    if (r.pids_limit && s) s = set_v1(layout_, path_, "pids", "pids.max", *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max");
  }
  if (!s) return s.error().wrap(what);
  return Status::ok();
}

}  // namespace mk::runtime::cgroup
