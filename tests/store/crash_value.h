#pragma once
// The keys and values store_crash_writer writes, derived from (pid, thread, sequence number) so
// that an acknowledgement line stays short and the checker can rebuild the exact value.

#include <string>

namespace mk::store::test {

inline std::string crash_key(int thread, long seq) {
  return "/crash/t" + std::to_string(thread) + "/k" + std::to_string(seq % 8);
}

// Sizes vary, some spanning several database pages, so a torn write would show.
inline std::string crash_value(long pid, int thread, long seq) {
  std::string v = std::to_string(pid) + "-" + std::to_string(thread) + "-" + std::to_string(seq) + ":";
  const size_t pad = (seq % 7 == 3) ? 9000 : static_cast<size_t>(seq % 3) * 50;
  v.append(pad, static_cast<char>('a' + seq % 26));
  return v;
}

}  // namespace mk::store::test
