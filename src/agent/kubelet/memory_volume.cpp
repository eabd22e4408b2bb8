#include "agent/kubelet/memory_volume.h"

#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace mk::agent::kubelet {
namespace {

// Mount points from /proc/self/mountinfo (octal escapes such as \040 decoded).
std::vector<std::string> mount_points() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    std::string decoded;
    for (size_t i = 0; i < point.size(); ++i) {
      if (point[i] == '\\' && i + 3 < point.size()) {
        decoded += static_cast<char>(std::stoi(point.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        decoded += point[i];
      }
    }
    out.push_back(decoded);
  }
  return out;
}

std::string canonical(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(dir, ec);
  return ec ? dir : p.string();
}

}  // namespace

Status ensure_tmpfs(const std::string& dir_in, std::optional<int64_t> size_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir_in, ec);
  if (ec) return make_error(Errc::io, "create " + dir_in + ": " + ec.message());
  std::string dir = canonical(dir_in);
  auto points = mount_points();
  if (std::find(points.begin(), points.end(), dir) != points.end()) return Status::ok();
  std::string options = "mode=0777";
  if (size_bytes && *size_bytes > 0) options += ",size=" + std::to_string(*size_bytes);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
    return errno_error("mount tmpfs on " + dir, errno);
  return Status::ok();
}

Status unmount_under(const std::string& dir_in) {
  std::string dir = canonical(dir_in);
  std::vector<std::string> under;
  for (const auto& p : mount_points())
    if (p == dir || p.rfind(dir + "/", 0) == 0) under.push_back(p);
  std::sort(under.begin(), under.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& p : under) {
    if (::umount2(p.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      return errno_error("unmount " + p, errno);
  }
  return Status::ok();
}

}  // namespace mk::agent::kubelet
