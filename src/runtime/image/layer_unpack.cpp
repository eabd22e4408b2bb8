#include "runtime/image/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "common/log.h"
#include "runtime/image/digest.h"
#include "runtime/image/unique_fd.h"

namespace mk::runtime::image {
namespace {

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

// `raw`: the decompressed byte stream as one entry, for hashing; otherwise tar entries.
Result<ArchivePtr> open_layer(const std::string& path, bool raw) {
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  if (raw) {
    archive_read_support_format_raw(a.get());
  } else {
    archive_read_support_format_tar(a.get());
  }
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return make_error(Errc::corrupt, "open layer " + path + ": " + archive_error_string(a.get()));
  }
  return a;
}

Error archive_failure(archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  return make_error(Errc::corrupt, what + ": " + (msg ? msg : "unreadable archive"));
}

// Removes `name` in `dir` (recursively for a directory) without following symlinks.
Status remove_at(int dir, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status::ok() : errno_error("stat " + name, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) return errno_error("remove " + name, errno);
    return Status::ok();
  }
  int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno_error("open " + name, errno);
  DIR* d = ::fdopendir(fd);  // owns fd from here
  if (!d) {
    int err = errno;
    ::close(fd);
    return errno_error("open " + name, err);
  }
  std::vector<std::string> children;
  while (dirent* e = ::readdir(d)) {
    std::string child = e->d_name;
    if (child != "." && child != "..") children.push_back(child);
  }
  Status result;
  for (const std::string& child : children) {
    if (auto ok = remove_at(::dirfd(d), child); !ok) {
      result = ok.error().wrap(name);
      break;
    }
  }
  ::closedir(d);
  if (!result) return result;
  if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return errno_error("remove " + name, errno);
  }
  return Status::ok();
}

// Splits a tar entry name into components, refusing absolute names and `..`. "./a//b/" -> {a, b}.
Result<std::vector<std::string>> split_entry_name(const std::string& name) {
  if (name.starts_with("/")) return make_error(Errc::permission_denied, "absolute path refused");
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part == "..") return make_error(Errc::permission_denied, "\"..\" component refused");
    if (!part.empty() && part != ".") parts.push_back(part);
    start = end + 1;
  }
  return parts;
}

// A relative symlink target must not climb above the layer root from where the link sits.
bool symlink_stays_inside(size_t link_depth, const std::string& target) {
  if (target.starts_with("/")) return true;  // resolved against the container's root
  long depth = static_cast<long>(link_depth);
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string::npos) end = target.size();
    std::string part = target.substr(start, end - start);
    if (part == "..") {
      if (--depth < 0) return false;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    start = end + 1;
  }
  return true;
}

struct DirTime {
  std::vector<std::string> path;
  timespec times[2];
};

class Extractor {
 public:
  explicit Extractor(int root) : root_(root), privileged_(::geteuid() == 0) {}

  Status apply(archive* a, archive_entry* e);
  Status finish();

 private:
  // The directory holding path[0..count), walked from the root one component at a time with
  // O_NOFOLLOW, so a symlink anywhere on the way is an error rather than a way out.
  Result<UniqueFd> open_dir(const std::vector<std::string>& path, size_t count, bool create);
  Status set_owner_mode(int fd, const char* name, archive_entry* e, bool symlink);
  void set_xattrs(int fd, archive_entry* e, const std::string& what);
  Status write_data(archive* a, int fd, const std::string& what);

  int root_;
  bool privileged_;
  std::vector<DirTime> dir_times_;
};

Result<UniqueFd> Extractor::open_dir(const std::vector<std::string>& path, size_t count, bool create) {
  UniqueFd cur(::openat(root_, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cur) return errno_error("open layer root", errno);
  for (size_t i = 0; i < count; ++i) {
    const std::string& part = path[i];
    int fd = ::openat(cur.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), part.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("mkdir " + part, errno);
      fd = ::openat(cur.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return make_error(Errc::permission_denied, "path passes through \"" + part + "\", a symlink or not a directory");
      }
      return errno_error("open " + part, errno);
    }
    UniqueFd next(fd);
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) return errno_error("stat " + part, errno);
    if (!S_ISDIR(st.st_mode)) {
      return make_error(Errc::permission_denied, "path passes through \"" + part + "\", a symlink or not a directory");
    }
    cur = std::move(next);
  }
  return cur;
}

Status Extractor::set_owner_mode(int dir, const char* name, archive_entry* e, bool symlink) {
  auto uid = static_cast<uid_t>(archive_entry_uid(e));
  auto gid = static_cast<gid_t>(archive_entry_gid(e));
  // Ownership first: chown clears setuid/setgid bits that the mode then sets again.
  if (::fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 && privileged_) {
    return errno_error(std::string("chown ") + (*name ? name : "."), errno);
  }
  mode_t mode = archive_entry_perm(e) & 07777;
  if (!symlink && (*name ? ::fchmodat(dir, name, mode, 0) : ::fchmod(dir, mode)) != 0) {
    return errno_error(std::string("chmod ") + (*name ? name : "."), errno);
  }
  return Status::ok();
}

void Extractor::set_xattrs(int fd, archive_entry* e, const std::string& what) {
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  archive_entry_xattr_reset(e);
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string n = name;
    // Overlay's own attributes would let a layer forge opaque dirs or redirects.
    if (n.starts_with("trusted.overlay.") || n.starts_with("user.overlay.")) continue;
    if (::fsetxattr(fd, name, value, size, 0) != 0) {
      MK_LOG(debug) << "image: unpack " << what << ": xattr " << n << " not set: " << std::strerror(errno);
    }
  }
}

Status Extractor::write_data(archive* a, int fd, const std::string& what) {
  const void* buf = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int r = archive_read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) return Status::ok();
    if (r != ARCHIVE_OK) return archive_failure(a, "read " + what);
    const char* p = static_cast<const char*>(buf);
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd, p + done, size - done, offset + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno_error("write " + what, errno);
      done += static_cast<size_t>(n);
    }
  }
}

Status Extractor::apply(archive* a, archive_entry* e) {
  const char* raw_name = archive_entry_pathname(e);
  std::string entry = raw_name ? raw_name : "";
  auto fail = [&](const Error& err) { return Error{err.code, "entry \"" + entry + "\": " + err.message}; };
  auto parts = split_entry_name(entry);
  if (!parts) return fail(parts.error());
  mode_t type = archive_entry_filetype(e);
  const char* hardlink = archive_entry_hardlink(e);

  if (parts->empty()) {  // the layer root itself ("./")
    if (type != AE_IFDIR || hardlink) return fail(make_error(Errc::permission_denied, "the layer root must be a directory"));
    if (auto ok = set_owner_mode(root_, "", e, false); !ok) return fail(ok.error());
    dir_times_.push_back(DirTime{{}, {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                                      {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}}});
    return Status::ok();
  }
  auto parent = open_dir(*parts, parts->size() - 1, true);
  if (!parent) return fail(parent.error());
  int dir = parent->get();
  const std::string name = parts->back();

  if (name.starts_with(kWhiteoutPrefix)) {
    if (name == kOpaqueMarker) {
      UniqueFd d(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!d || ::fsetxattr(d.get(), kOpaqueXattr, "y", 1, 0) != 0) {
        return fail(errno_error(std::string("set ") + kOpaqueXattr, errno));
      }
      return Status::ok();
    }
    std::string target = name.substr(4);
    if (target.empty() || target == "." || target == ".." || target.starts_with(kWhiteoutPrefix)) {
      return fail(make_error(Errc::invalid_argument, "invalid whiteout"));
    }
    if (auto ok = remove_at(dir, target); !ok) return fail(ok.error());
    if (::mknodat(dir, target.c_str(), S_IFCHR | 0000, ::makedev(0, 0)) != 0) {
      return fail(errno_error("create whiteout " + target, errno));
    }
    if (::fchownat(dir, target.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                   static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0 && privileged_) {
      return fail(errno_error("chown whiteout " + target, errno));
    }
    return Status::ok();
  }

  if (hardlink) {
    auto link_parts = split_entry_name(hardlink);
    if (!link_parts) return fail(link_parts.error().wrap(std::string("hardlink target \"") + hardlink + "\""));
    if (link_parts->empty()) return fail(make_error(Errc::permission_denied, "hardlink to the layer root refused"));
    auto source_dir = open_dir(*link_parts, link_parts->size() - 1, false);
    if (!source_dir) return fail(source_dir.error().wrap(std::string("hardlink target \"") + hardlink + "\""));
    struct stat st {};
    if (::fstatat(source_dir->get(), link_parts->back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return fail(errno_error(std::string("hardlink target ") + hardlink, errno));
    }
    if (S_ISDIR(st.st_mode)) return fail(make_error(Errc::permission_denied, "hardlink to a directory refused"));
    if (auto ok = remove_at(dir, name); !ok) return fail(ok.error());
    // Flags 0: a symlink as the source is linked itself, never followed.
    if (::linkat(source_dir->get(), link_parts->back().c_str(), dir, name.c_str(), 0) != 0) {
      return fail(errno_error(std::string("link to ") + hardlink, errno));
    }
    return Status::ok();
  }

  timespec times[2] = {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                       {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
  switch (type) {
    case AE_IFDIR: {
      struct stat st {};
      bool exists = ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
      if (exists && !S_ISDIR(st.st_mode)) {
        if (auto ok = remove_at(dir, name); !ok) return fail(ok.error());
        exists = false;
      }
      if (!exists && ::mkdirat(dir, name.c_str(), 0700) != 0) return fail(errno_error("mkdir", errno));
      UniqueFd d(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!d) return fail(errno_error("open", errno));
      if (auto ok = set_owner_mode(d.get(), "", e, false); !ok) return fail(ok.error());
      set_xattrs(d.get(), e, entry);
      dir_times_.push_back(DirTime{*parts, {times[0], times[1]}});
      return Status::ok();
    }
    case AE_IFREG: {
      if (auto ok = remove_at(dir, name); !ok) return fail(ok.error());
      UniqueFd f(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!f) return fail(errno_error("create", errno));
      if (auto ok = write_data(a, f.get(), entry); !ok) return ok;
      // Sparse files end in a hole that no data block covers.
      if (archive_entry_size_is_set(e) && ::ftruncate(f.get(), archive_entry_size(e)) != 0) {
        return fail(errno_error("truncate", errno));
      }
      if (auto ok = set_owner_mode(f.get(), "", e, false); !ok) return fail(ok.error());
      set_xattrs(f.get(), e, entry);
      if (::futimens(f.get(), times) != 0) return fail(errno_error("set times", errno));
      return Status::ok();
    }
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (!target || !*target) return fail(make_error(Errc::invalid_argument, "symlink without a target"));
      if (!symlink_stays_inside(parts->size() - 1, target)) {
        return fail(make_error(Errc::permission_denied, std::string("symlink to \"") + target + "\" leads outside the layer"));
      }
      if (auto ok = remove_at(dir, name); !ok) return fail(ok.error());
      if (::symlinkat(target, dir, name.c_str()) != 0) return fail(errno_error("symlink", errno));
      if (auto ok = set_owner_mode(dir, name.c_str(), e, true); !ok) return fail(ok.error());
      ::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
      return Status::ok();
    }
    case AE_IFIFO: {
      if (auto ok = remove_at(dir, name); !ok) return fail(ok.error());
      if (::mkfifoat(dir, name.c_str(), 0600) != 0) return fail(errno_error("mkfifo", errno));
      if (auto ok = set_owner_mode(dir, name.c_str(), e, false); !ok) return fail(ok.error());
      ::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
      return Status::ok();
    }
    case AE_IFCHR:
    case AE_IFBLK:
      return fail(make_error(Errc::permission_denied, "device node refused"));
    default:
      return fail(make_error(Errc::unsupported, "unsupported entry type"));
  }
}

Status Extractor::finish() {
  // Directory times last, deepest first, since creating entries inside changes them.
  for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
    auto d = open_dir(it->path, it->path.size(), false);
    if (!d) continue;  // replaced later in the same layer
    UniqueFd rd(::openat(d->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (rd) ::futimens(rd.get(), it->times);
  }
  return Status::ok();
}

}  // namespace

Result<std::string> layer_diff_id(const std::string& blob_path) {
  auto a = open_layer(blob_path, true);
  if (!a) return a.error();
  archive_entry* e = nullptr;
  Sha256 sha;
  int r = archive_read_next_header(a->get(), &e);
  if (r == ARCHIVE_EOF) return sha.digest();
  if (r != ARCHIVE_OK) return archive_failure(a->get(), "read layer " + blob_path);
  std::vector<char> buf(1 << 16);
  for (;;) {
    la_ssize_t n = archive_read_data(a->get(), buf.data(), buf.size());
    if (n < 0) return archive_failure(a->get(), "read layer " + blob_path);
    if (n == 0) break;
    sha.update(buf.data(), static_cast<size_t>(n));
  }
  return sha.digest();
}

Status unpack_layer_to(const std::string& blob_path, const std::string& target) {
  if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("mkdir " + target, errno);
  auto run = [&]() -> Status {
    UniqueFd root(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root) return errno_error("open " + target, errno);
    if (::fchmod(root.get(), 0755) != 0) return errno_error("chmod " + target, errno);
    auto a = open_layer(blob_path, false);
    if (!a) return a.error();
    Extractor extractor(root.get());
    archive_entry* e = nullptr;
    for (;;) {
      int r = archive_read_next_header(a->get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return archive_failure(a->get(), "read layer " + blob_path);
      if (auto ok = extractor.apply(a->get(), e); !ok) return ok;
    }
    return extractor.finish();
  };
  Status result = run();
  if (!result) (void)remove_tree(target);
  return result;
}

Status remove_tree(const std::string& path) {
  std::string parent = ".";
  std::string name = path;
  if (size_t slash = path.rfind('/'); slash != std::string::npos) {
    parent = slash == 0 ? "/" : path.substr(0, slash);
    name = path.substr(slash + 1);
  }
  UniqueFd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return errno == ENOENT ? Status::ok() : errno_error("open " + parent, errno);
  if (auto ok = remove_at(dir.get(), name); !ok) return ok.error().wrap("remove " + path);
  return Status::ok();
}

}  // namespace mk::runtime::image
