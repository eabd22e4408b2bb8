#include "runtime/cgroup/cgroup_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>
#include <sstream>

namespace mk::runtime::cgroup::files {
namespace {

// Closes the descriptor when the scope ends.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::optional<uint64_t> parse_u64(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Result<std::string> read(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_error("read " + path, errno);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("read " + path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status write(const std::string& path, const std::string& value) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (fd.get() < 0) return errno_error("write " + value + " to " + path, errno);
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_error("write " + value + " to " + path, errno);
  if (static_cast<size_t>(n) != value.size()) {
    return make_error(Errc::io, "write " + value + " to " + path + ": short write");
  }
  return Status::ok();
}

Result<uint64_t> read_u64(const std::string& path) {
  auto text = read(path);
  if (!text) return text.error();
  auto v = parse_u64(*text);
  if (!v) return make_error(Errc::corrupt, "read " + path + ": not a number: " + *text);
  return *v;
}

std::optional<uint64_t> read_key(const std::string& path, const std::string& key) {
  auto text = read(path);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos || line.compare(0, space, key) != 0 || space != key.size()) continue;
    return parse_u64(std::string_view(line).substr(space + 1));
  }
  return std::nullopt;
}

std::vector<pid_t> read_procs(const std::string& path) {
  std::vector<pid_t> pids;
  auto text = read(path);
  if (!text) return pids;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (auto v = parse_u64(line); v && *v > 0) pids.push_back(static_cast<pid_t>(*v));
  }
  return pids;
}

std::vector<std::string> child_dirs(const std::string& dir) {
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) return out;
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) out.push_back(name);
  }
  return out;
}

Status make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return Status::ok();
  return errno_error("mkdir " + dir, errno);
}

}  // namespace mk::runtime::cgroup::files
