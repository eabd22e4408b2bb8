#include "runtime/container/safe_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace mk::runtime::container {
namespace {

int openat2_in_root(int root_fd, const std::string& path, int flags, bool no_symlinks) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0);
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd, path.empty() ? "." : path.c_str(), &how, sizeof how));
  } while (fd < 0 && errno == EAGAIN);
  return fd;
}

Result<std::vector<std::string>> components(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view c = path.substr(i, j - i);
    if (c == "..") return make_error(Errc::invalid_argument, "path " + std::string(path) + " contains \"..\"");
    if (!c.empty() && c != ".") out.emplace_back(c);
    i = j + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

}  // namespace

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<Fd> open_in_root(int root_fd, std::string_view path, bool no_symlinks) {
  auto parts = components(path);
  if (!parts) return parts.error();
  int fd = openat2_in_root(root_fd, join(*parts, parts->size()), O_PATH, no_symlinks);
  if (fd < 0) return errno_error("resolve " + std::string(path) + " in the container root", errno);
  return Fd(fd);
}

Result<Fd> ensure_in_root(int root_fd, std::string_view path, bool directory, bool no_symlinks) {
  auto parts = components(path);
  if (!parts) return parts.error();
  if (parts->empty()) return open_in_root(root_fd, "", no_symlinks);
  for (size_t i = 1; i <= parts->size(); ++i) {
    bool last = i == parts->size();
    std::string prefix = join(*parts, i);
    int fd = openat2_in_root(root_fd, prefix, O_PATH, no_symlinks);
    if (fd < 0 && errno == ENOENT) {
      int parent = openat2_in_root(root_fd, join(*parts, i - 1), O_PATH | O_DIRECTORY, no_symlinks);
      if (parent < 0) return errno_error("resolve the parent of " + std::string(path) + " in the container root", errno);
      Fd parent_fd(parent);
      const std::string& name = (*parts)[i - 1];
      int rc;
      if (!last || directory) {
        rc = ::mkdirat(parent, name.c_str(), 0755);
      } else {
        rc = ::openat(parent, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0) ::close(rc);
      }
      // EEXIST here means a dangling symlink: its target would be created through it.
      if (rc < 0) return errno_error("create " + prefix + " in the container root", errno);
      fd = openat2_in_root(root_fd, prefix, O_PATH, no_symlinks);
    }
    if (fd < 0) return errno_error("resolve " + prefix + " in the container root", errno);
    if (last) return Fd(fd);
    ::close(fd);
  }
  return make_error(Errc::internal, "resolve " + std::string(path) + ": unreachable");
}

}  // namespace mk::runtime::container
