#pragma once
// Writes a volume's files the way the kubelet's AtomicWriter does, so a running container
// never sees a half-updated volume:
//
//   <dir>/..2026_01_02_15_04_05.123456789/   the current files (a fresh directory per version)
//   <dir>/..data -> ..2026_01_02_...          swapped with one rename(2) of a new symlink
//   <dir>/<top-level name> -> ..data/<name>   what the container reads
//
// A write whose files and modes equal the current version changes nothing.

#include <map>
#include <string>

#include "common/error.h"

namespace mk::agent::kubelet {

struct FileProjection {
  std::string data;
  int mode = 0644;
};

// Relative paths (no "..", not absolute, no component starting with "..") to their content.
using Payload = std::map<std::string, FileProjection>;

// Checks a payload path as the kubelet does (validatePath).
Status validate_payload_path(const std::string& path);

// Makes `dir` hold exactly `payload`. Returns true when it changed something.
Result<bool> write_atomically(const std::string& dir, const Payload& payload);

}  // namespace mk::agent::kubelet
