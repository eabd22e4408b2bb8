#pragma once
// The image content store under one root directory (`<data-dir>/agent/images`):
//
//   blobs/sha256/<hex>   manifests, configs, compressed layers; content-addressed, immutable
//   layers/<hex>/        a layer unpacked once per diff id, in overlayfs form (a lower dir)
//   images/<hex>.json    one record per image name (hex = sha256 of the name)
//   tmp/                 writes in progress; renamed into place only when verified
//   lock                 flock: pulls and imports hold it shared, sweeps exclusively
//
// Nothing partial is ever visible under blobs/, layers/ or images/: every write goes to tmp/
// first and is renamed into place after its digest (and size) checked out. open() removes what
// interrupted writes left in tmp/. Removal is mark-and-sweep: blobs and layers that no image
// record references are deleted by sweep().

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/image/unique_fd.h"

namespace mk::runtime::image {

struct LayerRef {
  std::string digest;      // of the blob as stored (compressed)
  std::string media_type;
  int64_t size = 0;
  std::string diff_id;     // of the uncompressed tar; names the unpacked directory
};

struct ImageRecord {
  std::string name;             // normalized: "docker.io/library/busybox:latest"
  std::string manifest_digest;
  std::string manifest_media_type;
  std::string index_digest;     // the index or manifest list it was chosen from, if any
  std::string config_digest;
  std::string platform;         // "linux/arm/v7"
  std::vector<LayerRef> layers; // lowest first
  int64_t size = 0;             // sum of the blobs' sizes
  int64_t created_unix = 0;     // when the record was written
};

// A blob being written: bytes go to a temp file and are hashed as they come; commit() checks
// the digest and size and renames the file into blobs/. Destroyed uncommitted, it leaves nothing.
class BlobWriter {
 public:
  BlobWriter(std::string temp_path, std::string final_path, std::string digest, int64_t size, UniqueFd fd);
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  Status write(const void* data, size_t size);
  int64_t written() const { return written_; }
  // Starts over at byte 0 (a server that ignored a Range request).
  Status restart();
  Status commit();
  const std::string& digest() const { return digest_; }

 private:
  struct Hash;
  std::string temp_path_, final_path_, digest_;
  int64_t expected_size_;
  UniqueFd fd_;
  int64_t written_ = 0;
  std::unique_ptr<Hash> hash_;
  bool committed_ = false;
};

struct SweepStats {
  int blobs_removed = 0;
  int layers_removed = 0;
  int64_t bytes_freed = 0;  // blob bytes
};

class ContentStore {
 public:
  // Creates the layout if needed and removes leftovers of interrupted writes (when no other
  // process is writing).
  static Result<std::unique_ptr<ContentStore>> open(const std::string& root);

  const std::string& root() const { return root_; }

  // A shared hold on the store that keeps sweep() away while content is added but not yet
  // referenced by a record. Pulls and imports take one for their whole duration.
  class Lease {
   public:
    explicit Lease(UniqueFd fd) : fd_(std::move(fd)) {}
   private:
    UniqueFd fd_;
  };
  Result<Lease> lease() const;

  std::string blob_path(std::string_view digest) const;
  bool has_blob(std::string_view digest) const;
  // The blob's bytes, refused when larger than max_size.
  Result<std::string> read_blob(std::string_view digest, int64_t max_size = 64 << 20) const;
  // size < 0: unknown (checked only against the digest). Hold a lease() while writing.
  Result<std::unique_ptr<BlobWriter>> blob_writer(std::string_view digest, int64_t size) const;
  Status put_blob(std::string_view digest, std::string_view data) const;
  // Stores data under its own digest and returns the digest.
  Result<std::string> put_blob(std::string_view data) const;

  std::string layer_path(std::string_view diff_id) const;
  bool has_layer(std::string_view diff_id) const;
  // Unpacks the stored blob into layers/<diff id hex>/ unless it is there already; the tar
  // stream must hash to diff_id.
  Status unpack_layer(std::string_view blob_digest, std::string_view diff_id) const;

  // Publishes a record; every blob and layer it names must be present.
  Status put_image(const ImageRecord& record) const;
  Result<ImageRecord> get_image(std::string_view name) const;
  Result<std::vector<ImageRecord>> list_images() const;
  // Removes the record (not_found if there is none); content goes with the next sweep().
  Status remove_image(std::string_view name) const;
  // Deletes blobs and layers no record references, and stray files in tmp/.
  Result<SweepStats> sweep() const;

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  Status recover() const;
  std::string record_path(std::string_view name) const;
  Result<UniqueFd> lock(int operation) const;

  std::string root_;
};

// Record <-> JSON text (the on-disk form of images/<hex>.json).
std::string record_to_json(const ImageRecord& record);
Result<ImageRecord> record_from_json(std::string_view text);

}  // namespace mk::runtime::image
