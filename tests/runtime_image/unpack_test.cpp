// Layer unpacking: overlayfs whiteouts, compression, and layers that try to write outside.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "runtime/image/content_store.h"
#include "runtime/image/digest.h"
#include "runtime/image/layer_unpack.h"
#include "test_support.h"

using namespace mk::runtime::image;
using namespace mk::runtime::image::testing;

namespace {

// Stores the tar as a blob and unpacks it; returns the unpack status.
mk::Status store_and_unpack(const ContentStore& store, const std::string& tar_path, std::string* diff_id) {
  std::string data = read_file(tar_path);
  auto digest = store.put_blob(data);
  REQUIRE(digest);
  auto id = layer_diff_id(tar_path);
  REQUIRE(id);
  *diff_id = *id;
  return store.unpack_layer(*digest, *id);
}

}  // namespace

TEST_CASE("whiteouts and opaque directories become overlayfs whiteouts", "[unpack]") {
  if (!is_root()) {
    WARN("skipped: overlay whiteouts (mknod 0/0, trusted.* xattrs) need root");
    return;
  }
  TempDir dir;
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  for (Compression c : {Compression::none, Compression::gzip, Compression::zstd}) {
    std::string tar = dir / ("layer" + std::to_string(static_cast<int>(c)));
    std::string marker = "c" + std::to_string(static_cast<int>(c));
    write_tar(tar, {{TarEntry::dir, "etc", "", "", 0755},
                    {TarEntry::file, "etc/.wh.passwd", "", "", 0644},
                    {TarEntry::dir, "var/cache", "", "", 0700},
                    {TarEntry::file, "var/cache/new", marker, "", 0600},
                    {TarEntry::file, "var/cache/.wh..wh..opq", "", "", 0644},
                    {TarEntry::file, "usr/bin/tool", "#!/bin/sh\n", "", 04755},
                    {TarEntry::hardlink, "usr/bin/tool2", "", "usr/bin/tool"},
                    {TarEntry::symlink, "usr/bin/abs", "", "/bin/busybox"},
                    {TarEntry::fifo, "run/fifo", "", "", 0600}},
              c);
    std::string diff_id;
    REQUIRE(store_and_unpack(**store, tar, &diff_id));
    std::string root = (*store)->layer_path(diff_id);
    struct stat st {};
    REQUIRE(::lstat((root + "/etc/passwd").c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(st.st_rdev == ::makedev(0, 0));
    CHECK_FALSE(exists(root + "/etc/.wh.passwd"));
    char value[8] = {};
    CHECK(::lgetxattr((root + "/var/cache").c_str(), "trusted.overlay.opaque", value, sizeof value) == 1);
    CHECK(value[0] == 'y');
    CHECK(read_file(root + "/var/cache/new") == marker);
    CHECK_FALSE(exists(root + "/var/cache/.wh..wh..opq"));
    REQUIRE(::lstat((root + "/usr/bin/tool").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 04755);
    CHECK(st.st_nlink == 2);
    CHECK(st.st_mtime == 1);
    REQUIRE(::lstat((root + "/usr/bin/abs").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    REQUIRE(::lstat((root + "/run/fifo").c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
    REQUIRE(::lstat((root + "/var/cache").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
  }
}

TEST_CASE("a layer whose tar does not hash to the diff id is refused", "[unpack]") {
  TempDir dir;
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  write_tar(dir / "l.tar", {{TarEntry::file, "a", "a", "", 0644}}, Compression::gzip);
  auto digest = (*store)->put_blob(read_file(dir / "l.tar"));
  REQUIRE(digest);
  auto ok = (*store)->unpack_layer(*digest, sha256_digest("something else"));
  REQUIRE_FALSE(ok);
  CHECK(ok.error().message.find("uncompressed content hashes to") != std::string::npos);
  CHECK(list(dir / "images/layers").empty());
}

TEST_CASE("malicious layers are refused and write nothing outside", "[unpack]") {
  TempDir dir;
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  ::mkdir((dir / "outside").c_str(), 0755);
  const std::string outside = dir / "outside";

  struct Case {
    const char* what;
    std::vector<TarEntry> entries;
    const char* message;
  };
  std::vector<Case> cases = {
      {"path traversal", {{TarEntry::file, "a/../../../outside/pwned", "x", "", 0644}}, "\"..\" component refused"},
      {"absolute path", {{TarEntry::file, outside + "/pwned", "x", "", 0644}}, "absolute path refused"},
      {"symlink escape",
       {{TarEntry::symlink, "esc", "", outside}, {TarEntry::file, "esc/pwned", "x", "", 0644}},
       "a symlink or not a directory"},
      {"relative symlink escape",
       {{TarEntry::symlink, "up", "", "../../../../../../"}, {TarEntry::file, "up/pwned", "x", "", 0644}},
       "leads outside the layer"},
      {"hardlink escape",
       {{TarEntry::file, "ok", "x", "", 0644}, {TarEntry::hardlink, "pwned", "", "../outside/target"}},
       "\"..\" component refused"},
      {"hardlink through a symlink",
       {{TarEntry::symlink, "esc", "", outside}, {TarEntry::hardlink, "pwned", "", "esc/target"}},
       "a symlink or not a directory"},
      {"device node", {{TarEntry::file, "ok", "x", "", 0644}, {TarEntry::chardev, "dev/mem", "", "", 0600}}, "device node refused"},
      {"whiteout escape", {{TarEntry::file, "dir/.wh...", "", "", 0644}}, "invalid whiteout"},
  };
  write_file(outside + "/target", "host file");
  for (const Case& c : cases) {
    INFO(c.what);
    std::string tar = dir / "evil.tar";
    write_tar(tar, c.entries);
    std::string diff_id;
    auto ok = store_and_unpack(**store, tar, &diff_id);
    REQUIRE_FALSE(ok);
    INFO(ok.error().message);
    CHECK(ok.error().message.find(c.message) != std::string::npos);
    CHECK(list(outside) == std::vector<std::string>{"target"});
    CHECK(read_file(outside + "/target") == "host file");
    CHECK_FALSE((*store)->has_layer(diff_id));
    CHECK(list(dir / "images/layers").empty());
    CHECK(list(dir / "images/tmp").empty());
  }
}
