#include "server/pki/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "server/pki/random.h"

namespace mk::pki {

namespace {

constexpr size_t kMaxFileSize = 1 << 20;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // close(2) can report a deferred write error, so the writer checks it.
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Removes the temporary file unless the rename consumed it.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write " + path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

Status fsync_dir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno_error("open directory " + dir.string(), errno);
  if (::fsync(fd.get()) != 0) return errno_error("fsync directory " + dir.string(), errno);
  return Status::ok();
}

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_error("read " + path.string(), errno);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("read " + path.string(), errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxFileSize) return make_error(Errc::too_large, "read " + path.string() + ": file larger than 1 MiB");
  }
  return out;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view data, std::uint32_t mode) {
  auto suffix = random_hex(6);
  if (!suffix) return suffix.error().wrap("write " + path.string());
  TempFile tmp(path.string() + ".tmp-" + *suffix);
  Fd fd(::open(tmp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) return errno_error("create " + tmp.path(), errno);
  // Set the mode before any secret byte is written; fchmod is not subject to the umask.
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return errno_error("chmod " + tmp.path(), errno);
  if (auto st = write_all(fd.get(), data, tmp.path()); !st) return st;
  if (::fsync(fd.get()) != 0) return errno_error("fsync " + tmp.path(), errno);
  if (fd.close() != 0) return errno_error("close " + tmp.path(), errno);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) return errno_error("rename " + tmp.path() + " to " + path.string(), errno);
  tmp.release();
  // Without this the rename itself may be lost on power failure, leaving the old file or none.
  auto parent = path.parent_path();
  return fsync_dir(parent.empty() ? std::filesystem::path(".") : parent);
}

Status ensure_dir(const std::filesystem::path& path, std::uint32_t mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::ok();
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return make_error(Errc::io, "create directory " + path.parent_path().string() + ": " + ec.message());
  }
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    if (errno != EEXIST) return errno_error("create directory " + path.string(), errno);
    // Created meanwhile by someone else: theirs to set the mode of.
    if (std::filesystem::is_directory(path, ec)) return Status::ok();
    return make_error(Errc::already_exists, "create directory " + path.string() + ": exists and is not a directory");
  }
  // mkdir's mode is narrowed by the umask; the caller asked for exactly this one.
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) return errno_error("chmod " + path.string(), errno);
  return Status::ok();
}

}  // namespace mk::pki
