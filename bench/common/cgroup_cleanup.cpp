#include "cgroup_cleanup.h"

#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/log.h"

namespace mk::bench {

namespace fs = std::filesystem;

namespace {
constexpr unsigned long kCgroup2Magic = 0x63677270;
constexpr const char* kCgroupMount = "/sys/fs/cgroup";
}  // namespace

std::string cgroup_mode() {
  struct statfs st {};
  if (::statfs(kCgroupMount, &st) != 0) return "unknown";
  if (static_cast<unsigned long>(st.f_type) == kCgroup2Magic) return "unified";
  std::error_code ec;
  return fs::is_directory("/sys/fs/cgroup/unified", ec) ? "hybrid" : "legacy";
}

void remove_cgroup_tree(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find("..") != std::string::npos) return;
  std::error_code ec;
  std::vector<fs::path> hierarchies = {kCgroupMount};
  for (const auto& entry : fs::directory_iterator(kCgroupMount, ec)) {
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) hierarchies.push_back(entry.path());
  }
  for (const auto& h : hierarchies) {
    fs::path top = h / path;
    if (!fs::is_directory(top, ec)) continue;
    std::vector<fs::path> dirs = {top};
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_directory(ec)) dirs.push_back(it->path());
    }
    // Longer paths are deeper: children go before their parents.
    std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
      return a.string().size() > b.string().size();
    });
    for (const auto& d : dirs) {
      if (::rmdir(d.c_str()) != 0) MK_LOG(warn) << "bench: rmdir " << d.string() << " failed";
    }
  }
}

}  // namespace mk::bench
