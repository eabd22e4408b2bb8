#pragma once
// Helpers for the image tests: temporary directories, tarballs written with libarchive, and a
// small busybox-static image as an OCI layout.

#include <cstdint>
#include <string>
#include <vector>

namespace mk::runtime::image::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct TarEntry {
  enum Type { file, dir, symlink, hardlink, chardev, fifo } type = file;
  std::string name;
  std::string content;   // file data
  std::string link;      // symlink or hardlink target
  unsigned mode = 0644;
};

enum class Compression { none, gzip, zstd };

void write_tar(const std::string& path, const std::vector<TarEntry>& entries, Compression c = Compression::none);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);
bool exists(const std::string& path);
// Names in a directory (no . and ..); empty when it does not exist.
std::vector<std::string> list(const std::string& dir);

struct BuiltImage {
  std::string manifest_digest;  // for a multi-arch image: the index's digest
  std::vector<std::string> diff_ids;
  std::vector<std::string> platform_manifests;  // amd64 first, then arm64
};

// Writes an OCI layout at `layout` holding busybox-static (bin/busybox plus sh, echo, ... links)
// as one gzip layer under the tag `tag`. With multi_arch, the tag names an index with an amd64
// and an arm64 manifest (their configs differ; the layer is shared).
BuiltImage build_busybox_layout(const std::string& layout, const std::string& tag, bool multi_arch);

// Writes an OCI layout with the given layers (each a tar blob, any compression) under `tag`.
BuiltImage build_layout(const std::string& layout, const std::string& tag, const std::vector<std::string>& layer_blobs,
                        const std::vector<std::string>& layer_media_types);

// Runs a command, returns its exit status; output goes to a file shown on failure.
int run(const std::vector<std::string>& argv, std::string* output = nullptr);

bool is_root();

}  // namespace mk::runtime::image::testing
