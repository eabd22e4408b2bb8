#pragma once
// Values of a given size that start with a readable tag (the watch benchmark puts a sequence
// number there).

#include <cstddef>
#include <string>

namespace mk::bench {

inline std::string make_value(const std::string& tag, size_t size) {
  std::string value = tag;
  value.reserve(size);
  while (value.size() < size) value.push_back(static_cast<char>('a' + value.size() % 26));
  return value;
}

}  // namespace mk::bench
