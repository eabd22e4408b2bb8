#include "machine_info.h"

#include <sys/vfs.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

namespace mk::bench {

MachineInfo machine_info(const std::string& data_dir) {
  MachineInfo info;
  info.cores = std::thread::hardware_concurrency();
  double load[1];
  if (getloadavg(load, 1) == 1) info.load_average = load[0];
  struct statfs fs {};
  if (statfs(data_dir.c_str(), &fs) != 0) {
    info.fs_type = "unknown";
    return info;
  }
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53: info.fs_type = "ext4"; break;
    case 0x58465342: info.fs_type = "xfs"; break;
    case 0x9123683E: info.fs_type = "btrfs"; break;
    case 0x794C7630: info.fs_type = "overlayfs"; break;
    case 0x01021994: info.fs_type = "tmpfs"; info.fsync_is_free = true; break;
    case 0x858458F6: info.fs_type = "ramfs"; info.fsync_is_free = true; break;
    default: {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "fs magic 0x%lx", static_cast<unsigned long>(fs.f_type));
      info.fs_type = buf;
    }
  }
  return info;
}

}  // namespace mk::bench
