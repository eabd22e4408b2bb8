#pragma once
// What the report says about the machine: cores and the file system holding the data.

#include <string>

namespace mk::bench {

struct MachineInfo {
  unsigned cores = 0;
  double load_average = -1;  // 1-minute load when the benchmark started (other work skews it)
  std::string fs_type;  // "ext4", "tmpfs", ... or "fs magic 0x..."
  bool fsync_is_free = false;  // tmpfs and ramfs: durability figures mean nothing there
};

MachineInfo machine_info(const std::string& data_dir);

}  // namespace mk::bench
