#pragma once
// A directory created for one run and removed with everything in it when the object goes away.

#include <string>

#include "common/error.h"

namespace mk::bench {

class TempDir {
 public:
  // Creates parent/<prefix>XXXXXX.
  static Result<TempDir> create(const std::string& parent, const std::string& prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  void remove();

  std::string path_;
};

}  // namespace mk::bench
