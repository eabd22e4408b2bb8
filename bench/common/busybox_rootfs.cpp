#include "busybox_rootfs.h"

#include <filesystem>
#include <fstream>

namespace mk::bench {

namespace fs = std::filesystem;

Status make_busybox_rootfs(const std::string& root, const std::string& busybox) {
  std::error_code ec;
  for (const char* d : {"bin", "etc", "proc", "sys", "dev", "tmp", "root"}) {
    fs::create_directories(fs::path(root) / d, ec);
    if (ec) return make_error(Errc::io, "create " + root + "/" + d + ": " + ec.message());
  }
  fs::copy_file(busybox, fs::path(root) / "bin/busybox", ec);
  if (ec) return make_error(Errc::io, "copy " + busybox + ": " + ec.message());
  for (const char* applet : {"sh", "true", "sleep", "cat", "ls"}) {
    fs::create_symlink("busybox", fs::path(root) / "bin" / applet, ec);
    if (ec) return make_error(Errc::io, std::string("link bin/") + applet + ": " + ec.message());
  }
  std::ofstream(fs::path(root) / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  std::ofstream group(fs::path(root) / "etc/group");
  group << "root:x:0:\n";
  if (!group) return make_error(Errc::io, "write " + root + "/etc/group");
  return Status::ok();
}

}  // namespace mk::bench
