// Mounts are made before pivot_root with every destination resolved inside the new root
// (safe_path.h) and every mount aimed at an fd through /proc/self/fd, so a symlink in the image
// cannot send a mount to the host. Device nodes and /dev/null (for masking) are bound from the
// host only after checking they are the expected character devices (CVE-2025-31133).

#include "runtime/container/rootfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container/mount_options.h"
#include "runtime/container/safe_path.h"

namespace mk::runtime::container {
namespace {

Status do_mount(const std::string& what, const char* source, const std::string& target, const char* type,
                unsigned long flags, const char* data) {
  if (::mount(source, target.c_str(), type, flags, data) != 0) return errno_error("mount " + what, errno);
  return Status::ok();
}

// Flags a bind remount must keep, or the kernel refuses it (nosuid/nodev/noexec/atime of the
// mount being changed).
unsigned long locked_flags(int fd) {
  struct statvfs st{};
  if (::fstatvfs(fd, &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

// Changes per-mount flags of the mount at `dest` (resolved again: the fd of the mount point
// taken before mounting still names the covered directory).
Status remount_bind(int root, const std::string& dest, unsigned long flags) {
  auto fd = open_in_root(root, dest);
  if (!fd) return fd.error();
  return do_mount(dest + " with new flags", nullptr, fd_path(fd->get()), nullptr,
                  MS_BIND | MS_REMOUNT | flags | locked_flags(fd->get()), nullptr);
}

Result<Fd> open_char_device(const char* path, unsigned major_nr, unsigned minor_nr) {
  Fd fd(::open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return errno_error(std::string("open ") + path, errno);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return errno_error(std::string("stat ") + path, errno);
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(major_nr, minor_nr)) {
    return make_error(Errc::permission_denied, std::string(path) + " is not the expected character device");
  }
  return fd;
}

Status mount_root(const Config& c) {
  if (c.rootfs.empty() || c.rootfs[0] != '/') {
    return make_error(Errc::invalid_argument, "rootfs \"" + c.rootfs + "\" is not an absolute path");
  }
  if (c.layers.empty()) return do_mount("rootfs " + c.rootfs, c.rootfs.c_str(), c.rootfs, nullptr, MS_BIND | MS_REC, nullptr);
  // overlayfs wants the topmost layer first; ',' and ':' would split its option string.
  std::string lower;
  for (auto it = c.layers.rbegin(); it != c.layers.rend(); ++it) {
    if (it->find_first_of(",:") != std::string::npos) {
      return make_error(Errc::invalid_argument, "layer path " + *it + " contains ',' or ':'");
    }
    if (!lower.empty()) lower += ':';
    lower += *it;
  }
  std::string data = "lowerdir=" + lower;
  if (!c.upper.empty()) {
    if ((c.upper + c.work).find_first_of(",:") != std::string::npos) {
      return make_error(Errc::invalid_argument, "upper or work path contains ',' or ':'");
    }
    data += ",upperdir=" + c.upper + ",workdir=" + c.work;
  }
  return do_mount("overlay rootfs on " + c.rootfs, "overlay", c.rootfs, "overlay", 0, data.c_str());
}

Status mount_proc(int root) {
  // Only a real procfs on a real /proc directory (CVE-2019-19921): no symlinks on the way.
  auto target = ensure_in_root(root, "proc", true, true);
  if (!target) return target.error();
  if (auto s = do_mount("proc on /proc", "proc", fd_path(target->get()), "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr); !s) return s;
  auto check = open_in_root(root, "proc", true);
  if (!check) return check.error();
  struct statfs st{};
  if (::fstatfs(check->get(), &st) != 0 || st.f_type != PROC_SUPER_MAGIC) {
    return make_error(Errc::internal, "mount proc on /proc: /proc is not procfs after mounting");
  }
  return Status::ok();
}

struct Device {
  const char* name;
  unsigned major_nr, minor_nr;
};
constexpr Device kDevices[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
                               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

Status bind_onto_new_file(int dir_fd, const char* name, int source_fd) {
  int created = ::openat(dir_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (created < 0) return errno_error(std::string("create /dev/") + name, errno);
  ::close(created);
  Fd target(::openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!target) return errno_error(std::string("open /dev/") + name, errno);
  return do_mount(std::string("/dev/") + name, fd_path(source_fd).c_str(), fd_path(target.get()), nullptr, MS_BIND, nullptr);
}

Result<Fd> make_dev_dir(int dev_fd, const char* name) {
  if (::mkdirat(dev_fd, name, 0755) != 0) return errno_error(std::string("create /dev/") + name, errno);
  Fd fd(::openat(dev_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return errno_error(std::string("open /dev/") + name, errno);
  return fd;
}

// The pty on fd 0 was opened in the runtime's mount namespace, and mount(2) binds only from
// this one: the same device is opened again by its path here and checked to be the same inode
// (CVE-2025-52565).
Result<Fd> open_terminal_here() {
  struct stat tty{};
  if (!::isatty(0) || ::fstat(0, &tty) != 0) return make_error(Errc::invalid_argument, "the terminal given is not a tty");
  char path[128];
  ssize_t n = ::readlink("/proc/self/fd/0", path, sizeof path - 1);
  if (n <= 0) return errno_error("read the terminal's path", errno);
  path[n] = '\0';
  Fd fd(::open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW));
  struct stat st{};
  if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_rdev != tty.st_rdev || st.st_ino != tty.st_ino ||
      st.st_dev != tty.st_dev) {
    return make_error(Errc::permission_denied, std::string("terminal ") + path + " is not the one given");
  }
  return fd;
}

// A fresh tmpfs: nothing the image put under /dev is followed (CVE-2026-41579).
Status mount_dev(int root, bool terminal) {
  auto target = ensure_in_root(root, "dev", true, true);
  if (!target) return target.error();
  if (auto s = do_mount("tmpfs on /dev", "tmpfs", fd_path(target->get()), "tmpfs", MS_NOSUID | MS_STRICTATIME,
                        "mode=755,size=65536k");
      !s) {
    return s;
  }
  auto dev = open_in_root(root, "dev", true);
  if (!dev) return dev.error();
  for (const auto& d : kDevices) {
    auto host = open_char_device((std::string("/dev/") + d.name).c_str(), d.major_nr, d.minor_nr);
    if (!host) return host.error();
    if (auto s = bind_onto_new_file(dev->get(), d.name, host->get()); !s) return s;
  }
  auto pts = make_dev_dir(dev->get(), "pts");
  if (!pts) return pts.error();
  if (auto s = do_mount("devpts on /dev/pts", "devpts", fd_path(pts->get()), "devpts", MS_NOSUID | MS_NOEXEC,
                        "newinstance,ptmxmode=0666,mode=0620,gid=5");
      !s) {
    return s;
  }
  auto shm = make_dev_dir(dev->get(), "shm");
  if (!shm) return shm.error();
  if (auto s = do_mount("tmpfs on /dev/shm", "shm", fd_path(shm->get()), "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                        "mode=1777,size=65536k");
      !s) {
    return s;
  }
  auto mqueue = make_dev_dir(dev->get(), "mqueue");
  if (!mqueue) return mqueue.error();
  if (auto s = do_mount("mqueue on /dev/mqueue", "mqueue", fd_path(mqueue->get()), "mqueue",
                        MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr);
      !s) {
    return s;
  }
  const std::pair<const char*, const char*> links[] = {
      {"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},        {"/proc/kcore", "core"}};
  for (const auto& [to, name] : links) {
    if (::symlinkat(to, dev->get(), name) != 0) return errno_error(std::string("create /dev/") + name, errno);
  }
  if (terminal) {
    auto pty = open_terminal_here();
    if (!pty) return pty.error();
    if (auto s = bind_onto_new_file(dev->get(), "console", pty->get()); !s) return s;
  }
  return Status::ok();
}

Status mount_sys(int root, bool own_net, bool privileged) {
  auto target = ensure_in_root(root, "sys", true, true);
  if (!target) return target.error();
  if (own_net) {
    return do_mount("sysfs on /sys", "sysfs", fd_path(target->get()), "sysfs",
                    MS_NOSUID | MS_NOEXEC | MS_NODEV | (privileged ? 0 : MS_RDONLY), nullptr);
  }
  // sysfs shows the network devices of the mounting process's net namespace; in the host's,
  // the host /sys is bound instead, read-only all the way down.
  if (auto s = do_mount("/sys", "/sys", fd_path(target->get()), nullptr, MS_BIND | MS_REC, nullptr); !s) return s;
  if (privileged) return Status::ok();
  auto mounted = open_in_root(root, "sys", true);
  if (!mounted) return mounted.error();
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (::syscall(SYS_mount_setattr, mounted->get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0) {
    return Status::ok();
  }
  if (errno != ENOSYS) return errno_error("make /sys read-only", errno);
  return remount_bind(root, "sys", MS_RDONLY);
}

Status mount_configured(int root, const Mount& m) {
  if (m.destination.empty() || m.destination[0] != '/') {
    return make_error(Errc::invalid_argument, "mount destination \"" + m.destination + "\" is not absolute");
  }
  MountOptions o = parse_mount_options(m.options);
  bool bind = o.bind || m.type == "bind";
  if (bind) {
    Fd source(::open(m.source.c_str(), O_PATH | O_CLOEXEC));
    if (!source) return errno_error("open mount source " + m.source, errno);
    struct stat st{};
    if (::fstat(source.get(), &st) != 0) return errno_error("stat mount source " + m.source, errno);
    auto target = ensure_in_root(root, m.destination, S_ISDIR(st.st_mode));
    if (!target) return target.error();
    if (auto s = do_mount(m.source + " on " + m.destination, fd_path(source.get()).c_str(), fd_path(target->get()),
                          nullptr, MS_BIND | (o.recursive ? MS_REC : 0), nullptr);
        !s) {
      return s;
    }
    // A bind mount takes flags only through a remount.
    unsigned long flag_mask = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                              MS_RELATIME | MS_STRICTATIME;
    if (o.flags & flag_mask) {
      if (auto s = remount_bind(root, m.destination, o.flags & flag_mask); !s) return s;
    }
  } else {
    auto target = ensure_in_root(root, m.destination, true);
    if (!target) return target.error();
    std::string source = m.source.empty() ? m.type : m.source;
    if (auto s = do_mount(m.type + " on " + m.destination, source.c_str(), fd_path(target->get()), m.type.c_str(),
                          o.flags, o.data.empty() ? nullptr : o.data.c_str());
        !s) {
      return s;
    }
  }
  if (o.propagation) {
    auto mounted = open_in_root(root, m.destination);
    if (!mounted) return mounted.error();
    return do_mount("propagation of " + m.destination, nullptr, fd_path(mounted->get()), nullptr, o.propagation, nullptr);
  }
  return Status::ok();
}

Status mask_paths(int root, const std::vector<std::string>& paths) {
  auto null = open_char_device("/dev/null", 1, 3);
  if (!null) return null.error();
  for (const auto& p : paths) {
    auto target = open_in_root(root, p);
    if (!target) {
      if (target.error().code == Errc::not_found) continue;
      return target.error().wrap("mask " + p);
    }
    struct stat st{};
    if (::fstat(target->get(), &st) != 0) return errno_error("stat " + p, errno);
    Status s = S_ISDIR(st.st_mode)
                   ? do_mount("tmpfs over " + p, "tmpfs", fd_path(target->get()), "tmpfs", MS_RDONLY, nullptr)
                   : do_mount("/dev/null over " + p, fd_path(null->get()).c_str(), fd_path(target->get()), nullptr,
                              MS_BIND, nullptr);
    if (!s) return s;
  }
  return Status::ok();
}

Status make_readonly(int root, const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    auto target = open_in_root(root, p);
    if (!target) {
      if (target.error().code == Errc::not_found) continue;
      return target.error().wrap("make " + p + " read-only");
    }
    std::string at = fd_path(target->get());
    if (auto s = do_mount(p + " onto itself", at.c_str(), at, nullptr, MS_BIND | MS_REC, nullptr); !s) return s;
    if (auto s = remount_bind(root, p, MS_RDONLY); !s) return s;
  }
  return Status::ok();
}

// pivot_root(".", "."): the old root ends up stacked on the new one and is detached at once,
// so no path of the host stays reachable; no temporary directory is needed.
Status pivot(int root) {
  if (::fchdir(root) != 0) return errno_error("enter the container root", errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return errno_error("pivot_root", errno);
  if (::umount2(".", MNT_DETACH) != 0) return errno_error("detach the old root", errno);
  if (::chdir("/") != 0) return errno_error("chdir /", errno);
  return Status::ok();
}

}  // namespace

Status setup_rootfs(const Config& config, const RootfsOptions& options) {
  // Nothing mounted from here on propagates back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return errno_error("make / rslave", errno);
  if (auto s = mount_root(config); !s) return s;
  Fd root(::open(config.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return errno_error("open rootfs " + config.rootfs, errno);
  bool privileged = config.process.privileged;

  if (auto s = mount_proc(root.get()); !s) return s;
  if (auto s = mount_dev(root.get(), options.terminal); !s) return s;
  if (auto s = mount_sys(root.get(), options.own_net_namespace, privileged); !s) return s;
  for (const auto& m : config.mounts) {
    if (auto s = mount_configured(root.get(), m); !s) return s;
  }
  if (!privileged) {
    const auto& masked = config.masked_paths.empty() ? default_masked_paths() : config.masked_paths;
    if (auto s = mask_paths(root.get(), masked); !s) return s;
    const auto& ro = config.readonly_paths.empty() ? default_readonly_paths() : config.readonly_paths;
    if (auto s = make_readonly(root.get(), ro); !s) return s;
  }
  // A working directory the image lacks is created, as runc does (images may name one that
  // only a volume would provide).
  if (!config.process.cwd.empty() && config.process.cwd != "/") {
    auto cwd = ensure_in_root(root.get(), config.process.cwd, true);
    if (!cwd) return cwd.error().wrap("create cwd " + config.process.cwd);
  }
  if (auto s = pivot(root.get()); !s) return s;
  root.reset();
  if (config.read_only_rootfs) {
    struct statvfs st{};
    unsigned long keep = 0;
    if (::statvfs("/", &st) == 0) {
      if (st.f_flag & ST_NOSUID) keep |= MS_NOSUID;
      if (st.f_flag & ST_NODEV) keep |= MS_NODEV;
      if (st.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
    }
    if (::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, nullptr) != 0) {
      return errno_error("remount / read-only", errno);
    }
  }
  return Status::ok();
}

}  // namespace mk::runtime::container
