// /etc/passwd and /etc/group parsing for the container's user.

#include "runtime/container/user.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>

#include "runtime/container/unique_fd.h"

namespace mk::runtime::container {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::optional<uint32_t> parse_id(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > 0x7fffffffu) return std::nullopt;
  return v;
}

// Calls `fn(fields)` for each well-formed line with at least `min_fields` fields.
template <typename Fn>
void for_each_entry(std::string_view text, size_t min_fields, Fn fn) {
  for (std::string_view line : split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto fields = split(line, ':');
    if (fields.size() >= min_fields) {
      if (fn(fields)) return;
    }
  }
}

Result<std::string> read_small_file(const char* path) {
  // O_NONBLOCK and the regular-file check: an image cannot make us hang on a FIFO here.
  Fd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) {
    if (errno == ENOENT) return std::string();
    return errno_error(std::string("open ") + path, errno);
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return errno_error(std::string("stat ") + path, errno);
  if (!S_ISREG(st.st_mode)) return make_error(Errc::invalid_argument, std::string(path) + " is not a regular file");
  std::string text;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(std::string("read ") + path, errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > (16u << 20)) return make_error(Errc::too_large, std::string(path) + " is too large");
  }
  return text;
}

}  // namespace

Result<Identity> resolve_identity(std::string_view spec, std::string_view passwd, std::string_view group,
                                  const std::vector<uint32_t>& extra_groups) {
  std::string_view user_part = spec, group_part;
  bool group_given = false;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    user_part = spec.substr(0, colon);
    group_part = spec.substr(colon + 1);
    group_given = true;
  }
  if (user_part.empty()) user_part = "0";

  Identity id;
  auto numeric_uid = parse_id(user_part);
  std::string user_name;
  bool found = false;
  for_each_entry(passwd, 7, [&](const std::vector<std::string_view>& f) {
    auto uid = parse_id(f[2]);
    auto gid = parse_id(f[3]);
    if (!uid || !gid) return false;
    if (f[0] == user_part || (numeric_uid && *numeric_uid == *uid)) {
      id.uid = *uid;
      id.gid = *gid;
      id.home = f[5].empty() ? "/" : std::string(f[5]);
      user_name = std::string(f[0]);
      found = true;
      return true;
    }
    return false;
  });
  if (!found) {
    if (!numeric_uid) {
      return make_error(Errc::not_found,
                        "unable to find user " + std::string(user_part) + ": no matching entries in passwd file");
    }
    id.uid = *numeric_uid;
    id.gid = 0;
  }

  if (group_given) {
    auto numeric_gid = parse_id(group_part);
    bool group_found = false;
    for_each_entry(group, 3, [&](const std::vector<std::string_view>& f) {
      auto gid = parse_id(f[2]);
      if (!gid) return false;
      if (f[0] == group_part || (numeric_gid && *numeric_gid == *gid)) {
        id.gid = *gid;
        group_found = true;
        return true;
      }
      return false;
    });
    if (!group_found) {
      if (!numeric_gid) {
        return make_error(Errc::not_found,
                          "unable to find group " + std::string(group_part) + ": no matching entries in group file");
      }
      id.gid = *numeric_gid;
    }
  }

  // Supplementary groups: the groups listing the user by name, then the caller's extras.
  if (!user_name.empty()) {
    for_each_entry(group, 4, [&](const std::vector<std::string_view>& f) {
      auto gid = parse_id(f[2]);
      if (!gid) return false;
      for (std::string_view member : split(f[3], ',')) {
        if (member == user_name && std::find(id.groups.begin(), id.groups.end(), *gid) == id.groups.end()) {
          id.groups.push_back(*gid);
        }
      }
      return false;
    });
  }
  for (uint32_t g : extra_groups) {
    if (std::find(id.groups.begin(), id.groups.end(), g) == id.groups.end()) id.groups.push_back(g);
  }
  return id;
}

Result<Identity> resolve_identity_in_root(std::string_view spec, const std::vector<uint32_t>& extra_groups) {
  auto passwd = read_small_file("/etc/passwd");
  if (!passwd) return passwd.error();
  auto group = read_small_file("/etc/group");
  if (!group) return group.error();
  return resolve_identity(spec, *passwd, *group, extra_groups);
}

}  // namespace mk::runtime::container
