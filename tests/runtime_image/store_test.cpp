// The content store: verified blob writes, records, recovery and mark-and-sweep.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "runtime/image/content_store.h"
#include "runtime/image/digest.h"
#include "test_support.h"

using namespace mk::runtime::image;
using namespace mk::runtime::image::testing;

TEST_CASE("blobs are stored only when digest and size match", "[store]") {
  TempDir dir;
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  const std::string data = "hello blob";
  const std::string digest = sha256_digest(data);

  SECTION("a matching blob is stored under its digest") {
    REQUIRE((*store)->put_blob(digest, data));
    CHECK((*store)->has_blob(digest));
    CHECK(read_file((*store)->blob_path(digest)) == data);
    CHECK(list(dir / "images/tmp").empty());
  }
  SECTION("a digest mismatch is refused and leaves nothing") {
    auto ok = (*store)->put_blob(sha256_digest("other"), data);
    REQUIRE_FALSE(ok);
    CHECK(ok.error().message.find("digest mismatch") != std::string::npos);
    CHECK(list(dir / "images/blobs/sha256").empty());
    CHECK(list(dir / "images/tmp").empty());
  }
  SECTION("a truncated blob is refused with its size in the message") {
    auto writer = (*store)->blob_writer(digest, static_cast<int64_t>(data.size()));
    REQUIRE(writer);
    REQUIRE((*writer)->write(data.data(), data.size() - 3));
    auto ok = (*writer)->commit();
    REQUIRE_FALSE(ok);
    CHECK(ok.error().message == "blob " + digest + ": size is 7 bytes, expected 10");
    writer->reset();
    CHECK_FALSE((*store)->has_blob(digest));
    CHECK(list(dir / "images/tmp").empty());
  }
  SECTION("an oversized blob is cut off at the descriptor's size") {
    auto writer = (*store)->blob_writer(digest, 4);
    REQUIRE(writer);
    CHECK_FALSE((*writer)->write(data.data(), data.size()));
  }
  SECTION("a malformed digest is refused") {
    CHECK_FALSE((*store)->put_blob("sha256:../../etc", data));
    CHECK_FALSE((*store)->blob_writer("md5:abc", 1));
  }
}

TEST_CASE("open() removes leftovers of interrupted writes", "[store]") {
  TempDir dir;
  {
    auto store = ContentStore::open(dir / "images");
    REQUIRE(store);
  }
  write_file(dir / "images/tmp/blob-abc-123456", "partial");
  ::mkdir((dir / "images/tmp/layer-abc-123456").c_str(), 0755);
  write_file(dir / "images/tmp/layer-abc-123456/file", "x");
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  CHECK(list(dir / "images/tmp").empty());
}

TEST_CASE("records, removal and sweep", "[store]") {
  TempDir dir;
  auto opened = ContentStore::open(dir / "images");
  REQUIRE(opened);
  const ContentStore& store = **opened;

  // Two images sharing one layer; the layer blob is an empty tar.
  std::string tar = dir / "layer.tar";
  write_tar(tar, {{TarEntry::file, "a.txt", "a", "", 0644}});
  std::string layer = read_file(tar);
  std::string layer_digest = sha256_digest(layer);
  REQUIRE(store.put_blob(layer_digest, layer));
  REQUIRE(store.unpack_layer(layer_digest, layer_digest));
  CHECK(read_file(store.layer_path(layer_digest) + "/a.txt") == "a");

  auto make = [&](const std::string& name, const std::string& config) {
    ImageRecord r;
    r.name = name;
    r.config_digest = *store.put_blob(config);
    r.manifest_digest = *store.put_blob("manifest of " + config);
    r.platform = "linux/amd64";
    r.layers.push_back({layer_digest, "application/vnd.oci.image.layer.v1.tar", static_cast<int64_t>(layer.size()), layer_digest});
    REQUIRE(store.put_image(r));
    return r;
  };
  ImageRecord a = make("docker.io/library/a:1", "config a");
  ImageRecord b = make("docker.io/library/b:1", "config b");
  std::string stray = *store.put_blob("unreferenced");

  auto listed = store.list_images();
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].name == "docker.io/library/a:1");
  CHECK((*listed)[0].size == static_cast<int64_t>(layer.size()));
  auto got = store.get_image("docker.io/library/b:1");
  REQUIRE(got);
  CHECK(got->config_digest == b.config_digest);
  CHECK(got->layers.at(0).diff_id == layer_digest);

  auto swept = store.sweep();
  REQUIRE(swept);
  CHECK(swept->blobs_removed == 1);
  CHECK_FALSE(store.has_blob(stray));

  REQUIRE(store.remove_image("docker.io/library/a:1"));
  CHECK(store.remove_image("docker.io/library/a:1").error().code == mk::Errc::not_found);
  CHECK(store.get_image("docker.io/library/a:1").error().code == mk::Errc::not_found);
  swept = store.sweep();
  REQUIRE(swept);
  CHECK(swept->blobs_removed == 2);  // a's config and manifest
  CHECK(swept->layers_removed == 0);  // still b's
  CHECK(store.has_layer(layer_digest));

  REQUIRE(store.remove_image("docker.io/library/b:1"));
  swept = store.sweep();
  REQUIRE(swept);
  CHECK(swept->layers_removed == 1);
  CHECK(list(dir / "images/blobs/sha256").empty());
  CHECK(list(dir / "images/layers").empty());
}

TEST_CASE("a record naming missing content is refused", "[store]") {
  TempDir dir;
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  ImageRecord r;
  r.name = "docker.io/library/x:1";
  r.config_digest = *(*store)->put_blob("config");
  r.manifest_digest = sha256_digest("not stored");
  CHECK_FALSE((*store)->put_image(r));
  CHECK(list(dir / "images/images").empty());
}
