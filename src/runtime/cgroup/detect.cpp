// detect(): the cgroup layout from /proc/self/mountinfo.
#include <algorithm>
#include <set>
#include <sstream>

#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_files.h"

namespace mk::runtime::cgroup {
namespace {

// v1 controller names as they appear in a cgroup mount's super options. Anything else there is
// an option (rw, clone_children, release_agent=...) or a named hierarchy (name=systemd), which
// holds no resources.
const std::set<std::string>& v1_controller_names() {
  static const std::set<std::string> names = {"cpuset",    "cpu",   "cpuacct",    "blkio",   "io",
                                              "memory",    "devices", "freezer",  "net_cls", "net_prio",
                                              "perf_event", "hugetlb", "pids",    "rdma",    "misc"};
  return names;
}

// mountinfo escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string oct = s.substr(i + 1, 3);
      if (std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(static_cast<char>(std::stoi(oct, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

}  // namespace

bool Layout::v2_has(const std::string& controller) const {
  return !unified.empty() &&
         std::find(v2_controllers.begin(), v2_controllers.end(), controller) != v2_controllers.end();
}

std::string Layout::v1_mount(const std::string& controller) const {
  for (const auto& [name, mount] : v1) {
    if (name == controller) return mount;
  }
  return "";
}

Result<Layout> detect(const std::string& mountinfo_text) {
  std::string text = mountinfo_text;
  if (text.empty()) {
    auto read = files::read("/proc/self/mountinfo");
    if (!read) return read.error().wrap("detect cgroups");
    text = std::move(*read);
  }
  Layout layout;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
    std::vector<std::string> fields;
    std::istringstream words(line);
    for (std::string w; words >> w;) fields.push_back(w);
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 3) continue;
    const std::string& fstype = *(dash + 1);
    const std::string mount_point = unescape(fields[4]);
    if (fstype == "cgroup2") {
      if (layout.unified.empty()) layout.unified = mount_point;
    } else if (fstype == "cgroup") {
      for (const auto& opt : split(*(dash + 3), ',')) {
        if (!v1_controller_names().count(opt) || !layout.v1_mount(opt).empty()) continue;
        layout.v1.emplace_back(opt, mount_point);
      }
    }
  }
  if (layout.unified.empty() && layout.v1.empty()) {
    return make_error(Errc::unsupported, "detect cgroups: no cgroup or cgroup2 mount in mountinfo");
  }
  if (!layout.unified.empty()) {
    // Unreadable means no controllers usable there (e.g. a fake mount point in a test).
    if (auto controllers = files::read(layout.unified + "/cgroup.controllers")) {
      std::istringstream names(*controllers);
      for (std::string c; names >> c;) layout.v2_controllers.push_back(c);
    }
  }
  layout.mode = layout.v1.empty() ? Mode::v2 : layout.unified.empty() ? Mode::v1 : Mode::hybrid;
  return layout;
}

}  // namespace mk::runtime::cgroup
