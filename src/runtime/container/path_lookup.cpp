#include "runtime/container/path_lookup.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace mk::runtime::container {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Go spells errno texts in lower case ("permission denied"); so do upstream's messages.
std::string go_errno_text(int err) {
  switch (err) {
    case ENOEXEC: return "exec format error";
    case EACCES: return "permission denied";
    case ENOENT: return "no such file or directory";
    case EISDIR: return "is a directory";
    case ENOTDIR: return "not a directory";
    case ETXTBSY: return "text file busy";
    case E2BIG: return "argument list too long";
    case ELOOP: return "too many levels of symbolic links";
    default: break;
  }
  std::string s = std::strerror(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

Errc errc_for(int err) {
  if (err == ENOENT) return Errc::not_found;
  if (err == EACCES || err == EPERM) return Errc::permission_denied;
  return Errc::invalid_argument;
}

// 0 when `path` is an executable regular file, else the errno Go would report.
int check_executable(const std::string& path, bool& stat_failed) {
  struct stat st{};
  stat_failed = false;
  if (::stat(path.c_str(), &st) != 0) {
    stat_failed = true;
    return errno;
  }
  if (S_ISDIR(st.st_mode)) return EISDIR;
  if ((st.st_mode & 0111) == 0) return EACCES;
  return 0;
}

}  // namespace

Result<std::string> look_path(const std::string& name, const std::vector<std::string>& env) {
  bool stat_failed = false;
  if (name.find('/') != std::string::npos) {
    int err = check_executable(name, stat_failed);
    if (err == 0) return name;
    std::string why = (stat_failed ? "stat " + name + ": " : std::string()) + go_errno_text(err);
    return make_error(errc_for(err), "exec: \"" + name + "\": " + why);
  }
  std::string path = kDefaultPath;
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  }
  size_t start = 0;
  while (!name.empty() && start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (check_executable(candidate, stat_failed) == 0) return candidate;
    start = end + 1;
  }
  return make_error(Errc::not_found, "exec: \"" + name + "\": executable file not found in $PATH");
}

Error exec_error(const std::string& path, int err) {
  return Error{errc_for(err), "exec " + path + ": " + go_errno_text(err)};
}

}  // namespace mk::runtime::container
