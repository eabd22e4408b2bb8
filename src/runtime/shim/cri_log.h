#pragma once
// Writes a container's output in the CRI log format the kubelet reads:
//   2024-05-01T10:00:00.123456789Z stdout F a whole line
//   2024-05-01T10:00:00.123456789Z stderr P a chunk of a longer or unfinished line
// One buffer per stream holds an unfinished line until its newline arrives (or it grows past
// kMaxLineBytes, or the stream ends). The file is rotated by size: <path> is renamed to <path>.1,
// <path>.1 to <path>.2 and so on, keeping `max_files` files in all.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "runtime/shim/unique_fd.h"

namespace mk::runtime::shim {

class CriLog {
 public:
  static constexpr size_t kMaxLineBytes = 16 * 1024;
  enum Stream { out = 0, err = 1 };

  CriLog(std::string path, uint64_t max_bytes, int max_files);

  Status open();
  // Reopens by path (after someone else rotated or removed the file).
  Status reopen() { return open(); }
  void write(Stream stream, std::string_view data);
  // Flushes an unfinished line as a partial one (the stream ended).
  void finish(Stream stream);

  // "2024-05-01T10:00:00.123456789Z" for a time in nanoseconds since the epoch.
  static std::string timestamp(int64_t ns);

 private:
  void emit(Stream stream, char tag, std::string_view line);
  void rotate();

  std::string path_;
  uint64_t max_bytes_;
  int max_files_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  std::string pending_[2];
};

}  // namespace mk::runtime::shim
