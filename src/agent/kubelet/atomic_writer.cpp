#include "agent/kubelet/atomic_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/unique_fd.h"

namespace mk::agent::kubelet {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDataLink = "..data";
constexpr const char* kNewDataLink = "..data_tmp";

std::string first_component(const std::string& path) { return path.substr(0, path.find('/')); }

// Reads what the current version holds, to skip writes that change nothing.
bool same_as_current(const std::string& dir, const Payload& payload) {
  std::error_code ec;
  fs::path current = fs::path(dir) / kDataLink;
  if (!fs::is_symlink(fs::symlink_status(current, ec))) return false;
  size_t files = 0;
  for (auto it = fs::recursive_directory_iterator(current, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) ++files;
  }
  if (ec || files != payload.size()) return false;
  for (const auto& [path, file] : payload) {
    fs::path p = current / path;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<int>(st.st_mode & 07777) != file.mode)
      return false;
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str() != file.data) return false;
  }
  return true;
}

Status write_file(const fs::path& path, const FileProjection& file) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return make_error(Errc::io, "create " + path.parent_path().string() + ": " + ec.message());
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return errno_error("create " + path.string(), errno);
  size_t done = 0;
  while (done < file.data.size()) {
    ssize_t n = ::write(fd.get(), file.data.data() + done, file.data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write " + path.string(), errno);
    done += static_cast<size_t>(n);
  }
  // The mode as given, whatever the umask.
  if (::fchmod(fd.get(), static_cast<mode_t>(file.mode)) != 0) return errno_error("chmod " + path.string(), errno);
  return Status::ok();
}

std::string timestamped_name() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "..%Y_%m_%d_%H_%M_%S.", &tm);
  return buf;
}

}  // namespace

Status validate_payload_path(const std::string& path) {
  if (path.empty()) return make_error(Errc::invalid_argument, "invalid path: must not be empty");
  if (path.size() > 4096) return make_error(Errc::invalid_argument, "invalid path: must be less than or equal to 4096 characters");
  if (path[0] == '/') return make_error(Errc::invalid_argument, "invalid path: must be relative path: " + path);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") return make_error(Errc::invalid_argument, "invalid path: must not contain '..': " + path);
    if (part.rfind("..", 0) == 0) return make_error(Errc::invalid_argument, "invalid path: must not start with '..': " + path);
    start = end + 1;
  }
  return Status::ok();
}

Result<bool> write_atomically(const std::string& dir, const Payload& payload) {
  for (const auto& [path, file] : payload) {
    if (auto s = validate_payload_path(path); !s) return s.error();
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(Errc::io, "create " + dir + ": " + ec.message());
  if (same_as_current(dir, payload)) return false;

  // The previous version, removed once the new one is in place.
  fs::path base(dir);
  std::string old_version;
  if (fs::is_symlink(fs::symlink_status(base / kDataLink, ec))) old_version = fs::read_symlink(base / kDataLink, ec).string();

  std::string pattern = (base / (timestamped_name() + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) return errno_error("create a version directory in " + dir, errno);
  fs::path version(pattern);
  ::chmod(version.c_str(), 0755);
  for (const auto& [path, file] : payload) {
    if (auto s = write_file(version / path, file); !s) {
      fs::remove_all(version, ec);
      return s.error();
    }
  }
  // ..data_tmp -> new version, renamed over ..data: the switch is one atomic step.
  fs::path tmp_link = base / kNewDataLink;
  fs::remove(tmp_link, ec);
  if (::symlink(version.filename().c_str(), tmp_link.c_str()) != 0) return errno_error("symlink " + tmp_link.string(), errno);
  if (::rename(tmp_link.c_str(), (base / kDataLink).c_str()) != 0) return errno_error("rename " + tmp_link.string(), errno);

  // Top-level names point through ..data; names of the old version that are gone are removed.
  std::set<std::string> wanted;
  for (const auto& [path, file] : payload) wanted.insert(first_component(path));
  for (const auto& name : wanted) {
    fs::path link = base / name;
    if (fs::is_symlink(fs::symlink_status(link, ec))) continue;
    if (::symlink((std::string(kDataLink) + "/" + name).c_str(), link.c_str()) != 0 && errno != EEXIST)
      return errno_error("symlink " + link.string(), errno);
  }
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    std::string name = entry.path().filename();
    if (name.rfind("..", 0) == 0 || wanted.count(name)) continue;
    if (fs::is_symlink(entry.symlink_status(ec))) fs::remove(entry.path(), ec);
  }
  if (!old_version.empty() && old_version != version.filename().string()) fs::remove_all(base / old_version, ec);
  return true;
}

}  // namespace mk::agent::kubelet
