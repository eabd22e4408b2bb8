#include "runtime/image/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <set>

#include "common/log.h"
#include "runtime/image/digest.h"
#include "runtime/image/layer_unpack.h"

namespace mk::runtime::image {
namespace {

Status make_dirs(const std::string& path) {
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    std::string part = path.substr(0, pos);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("mkdir " + part, errno);
  }
  return Status::ok();
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return errno_error("read directory " + path, errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

Result<std::string> read_file(const std::string& path, int64_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error("stat " + path, errno);
  if (st.st_size > max_size) {
    return make_error(Errc::too_large, "read " + path + ": " + std::to_string(st.st_size) +
                                           " bytes is more than the limit of " + std::to_string(max_size));
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path, errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  return data;
}

// Writes a small file atomically: temp file in tmp/, fsync, rename over `path`.
Status write_file_atomic(const std::string& tmp_dir, const std::string& path, std::string_view data) {
  std::string temp = tmp_dir + "/record-XXXXXX";
  UniqueFd fd(::mkstemp(temp.data()));
  if (!fd) return errno_error("create " + temp, errno);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(temp.c_str());
      return errno_error("write " + temp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return errno_error("write " + path, err);
  }
  return Status::ok();
}

}  // namespace

// ---- BlobWriter -------------------------------------------------------------------------------

struct BlobWriter::Hash {
  Sha256 sha;
};

BlobWriter::BlobWriter(std::string temp_path, std::string final_path, std::string digest, int64_t size,
                       UniqueFd fd)
    : temp_path_(std::move(temp_path)),
      final_path_(std::move(final_path)),
      digest_(std::move(digest)),
      expected_size_(size),
      fd_(std::move(fd)),
      hash_(std::make_unique<Hash>()) {}

BlobWriter::~BlobWriter() {
  if (!committed_) ::unlink(temp_path_.c_str());
}

Status BlobWriter::write(const void* data, size_t size) {
  if (expected_size_ >= 0 && written_ + static_cast<int64_t>(size) > expected_size_) {
    return make_error(Errc::corrupt, "blob " + digest_ + ": more than the expected " +
                                         std::to_string(expected_size_) + " bytes");
  }
  const char* p = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd_.get(), p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write " + temp_path_, errno);
    done += static_cast<size_t>(n);
  }
  hash_->sha.update(data, size);
  written_ += static_cast<int64_t>(size);
  return Status::ok();
}

Status BlobWriter::restart() {
  if (::ftruncate(fd_.get(), 0) != 0 || ::lseek(fd_.get(), 0, SEEK_SET) != 0) {
    return errno_error("truncate " + temp_path_, errno);
  }
  hash_ = std::make_unique<Hash>();
  written_ = 0;
  return Status::ok();
}

Status BlobWriter::commit() {
  if (expected_size_ >= 0 && written_ != expected_size_) {
    return make_error(Errc::corrupt, "blob " + digest_ + ": size is " + std::to_string(written_) +
                                         " bytes, expected " + std::to_string(expected_size_));
  }
  std::string actual = hash_->sha.digest();
  if (actual != digest_) {
    return make_error(Errc::corrupt, "blob " + digest_ + ": digest mismatch, content hashes to " + actual);
  }
  if (::fsync(fd_.get()) != 0) return errno_error("fsync " + temp_path_, errno);
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    return errno_error("rename " + temp_path_ + " to " + final_path_, errno);
  }
  committed_ = true;
  return Status::ok();
}

// ---- records ----------------------------------------------------------------------------------

std::string record_to_json(const ImageRecord& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerRef& l : r.layers) {
    layers.push_back({{"digest", l.digest}, {"mediaType", l.media_type}, {"size", l.size}, {"diffID", l.diff_id}});
  }
  nlohmann::json j = {{"name", r.name},
                      {"manifestDigest", r.manifest_digest},
                      {"manifestMediaType", r.manifest_media_type},
                      {"indexDigest", r.index_digest},
                      {"configDigest", r.config_digest},
                      {"platform", r.platform},
                      {"layers", layers},
                      {"size", r.size},
                      {"created", r.created_unix}};
  return j.dump(2) + "\n";
}

Result<ImageRecord> record_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::corrupt, "image record: not a JSON object");
  ImageRecord r;
  try {
    r.name = j.at("name").get<std::string>();
    r.manifest_digest = j.at("manifestDigest").get<std::string>();
    r.manifest_media_type = j.value("manifestMediaType", "");
    r.index_digest = j.value("indexDigest", "");
    r.config_digest = j.at("configDigest").get<std::string>();
    r.platform = j.value("platform", "");
    r.size = j.value("size", int64_t{0});
    r.created_unix = j.value("created", int64_t{0});
    for (const auto& l : j.at("layers")) {
      r.layers.push_back({l.at("digest").get<std::string>(), l.value("mediaType", ""),
                          l.value("size", int64_t{0}), l.at("diffID").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    return make_error(Errc::corrupt, std::string("image record: ") + e.what());
  }
  return r;
}

// ---- ContentStore -----------------------------------------------------------------------------

Result<std::unique_ptr<ContentStore>> ContentStore::open(const std::string& root_in) {
  std::string root = root_in;
  while (root.size() > 1 && root.ends_with('/')) root.pop_back();
  if (root.empty()) return make_error(Errc::invalid_argument, "open image store: empty root");
  for (const char* sub : {"/blobs/sha256", "/layers", "/images", "/tmp"}) {
    if (auto ok = make_dirs(root + sub); !ok) return ok.error().wrap("open image store " + root);
  }
  std::unique_ptr<ContentStore> store(new ContentStore(root));
  if (auto ok = store->recover(); !ok) return ok.error();
  return store;
}

Result<UniqueFd> ContentStore::lock(int operation) const {
  std::string path = root_ + "/lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return errno_error("open " + path, errno);
  while (::flock(fd.get(), operation) != 0) {
    if (errno == EINTR) continue;
    return errno_error("lock " + path, errno);
  }
  return fd;
}

Result<ContentStore::Lease> ContentStore::lease() const {
  auto fd = lock(LOCK_SH);
  if (!fd) return fd.error();
  return Lease(std::move(*fd));
}

Status ContentStore::recover() const {
  // Someone else holding the lock may be writing into tmp/ right now: leave it alone then.
  std::string path = root_ + "/lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return errno_error("open " + path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return Status::ok();
  auto names = list_dir(root_ + "/tmp");
  if (!names) return names.error();
  for (const std::string& name : *names) {
    MK_LOG(info) << "image store: removing leftover of an interrupted write " << root_ << "/tmp/" << name;
    if (auto ok = remove_tree(root_ + "/tmp/" + name); !ok) return ok;
  }
  return Status::ok();
}

std::string ContentStore::blob_path(std::string_view digest) const {
  return root_ + "/blobs/sha256/" + digest_hex(digest);
}

bool ContentStore::has_blob(std::string_view digest) const {
  if (!is_sha256_digest(digest)) return false;
  struct stat st {};
  return ::stat(blob_path(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::string> ContentStore::read_blob(std::string_view digest, int64_t max_size) const {
  if (auto ok = check_digest(digest); !ok) return ok.error();
  auto data = read_file(blob_path(digest), max_size);
  if (!data) {
    if (!has_blob(digest)) return make_error(Errc::not_found, "blob " + std::string(digest) + ": not in the store");
    return data.error();
  }
  return data;
}

Result<std::unique_ptr<BlobWriter>> ContentStore::blob_writer(std::string_view digest, int64_t size) const {
  if (auto ok = check_digest(digest); !ok) return ok.error();
  std::string temp = root_ + "/tmp/blob-" + digest_hex(digest).substr(0, 12) + "-XXXXXX";
  UniqueFd fd(::mkstemp(temp.data()));
  if (!fd) return errno_error("create " + temp, errno);
  return std::make_unique<BlobWriter>(temp, blob_path(digest), std::string(digest), size, std::move(fd));
}

Status ContentStore::put_blob(std::string_view digest, std::string_view data) const {
  if (has_blob(digest)) return Status::ok();
  auto writer = blob_writer(digest, static_cast<int64_t>(data.size()));
  if (!writer) return writer.error();
  if (auto ok = (*writer)->write(data.data(), data.size()); !ok) return ok;
  return (*writer)->commit();
}

Result<std::string> ContentStore::put_blob(std::string_view data) const {
  std::string digest = sha256_digest(data);
  if (auto ok = put_blob(digest, data); !ok) return ok.error();
  return digest;
}

std::string ContentStore::layer_path(std::string_view diff_id) const {
  return root_ + "/layers/" + digest_hex(diff_id);
}

bool ContentStore::has_layer(std::string_view diff_id) const {
  if (!is_sha256_digest(diff_id)) return false;
  struct stat st {};
  return ::lstat(layer_path(diff_id).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status ContentStore::unpack_layer(std::string_view blob_digest, std::string_view diff_id) const {
  if (auto ok = check_digest(diff_id); !ok) return ok;
  if (has_layer(diff_id)) return Status::ok();
  if (!has_blob(blob_digest)) {
    return make_error(Errc::not_found, "unpack layer " + std::string(blob_digest) + ": blob not in the store");
  }
  std::string blob = blob_path(blob_digest);
  // Check the diff id first, so a layer that does not match is refused before anything is written.
  auto actual = layer_diff_id(blob);
  if (!actual) return actual.error().wrap("unpack layer " + std::string(blob_digest));
  if (*actual != diff_id) {
    return make_error(Errc::corrupt, "unpack layer " + std::string(blob_digest) + ": uncompressed content hashes to " +
                                         *actual + ", the image config says " + std::string(diff_id));
  }
  auto shared = lock(LOCK_SH);  // keeps sweep() from clearing tmp/ under us
  if (!shared) return shared.error();
  std::string temp = root_ + "/tmp/layer-" + digest_hex(diff_id).substr(0, 12) + "-XXXXXX";
  if (::mkdtemp(temp.data()) == nullptr) return errno_error("create " + temp, errno);
  if (auto ok = unpack_layer_to(blob, temp); !ok) {
    return ok.error().wrap("unpack layer " + std::string(blob_digest));
  }
  std::string final_path = layer_path(diff_id);
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    (void)remove_tree(temp);
    // Another writer unpacked the same layer meanwhile: theirs is as good as ours.
    if ((err == EEXIST || err == ENOTEMPTY) && has_layer(diff_id)) return Status::ok();
    return errno_error("rename " + temp + " to " + final_path, err);
  }
  return Status::ok();
}

std::string ContentStore::record_path(std::string_view name) const {
  return root_ + "/images/" + digest_hex(sha256_digest(name)) + ".json";
}

Status ContentStore::put_image(const ImageRecord& record_in) const {
  ImageRecord record = record_in;
  if (record.name.empty()) return make_error(Errc::invalid_argument, "store image: empty name");
  for (const std::string* d : {&record.manifest_digest, &record.config_digest}) {
    if (!has_blob(*d)) return make_error(Errc::not_found, "store image " + record.name + ": blob " + *d + " missing");
  }
  record.size = 0;
  for (const LayerRef& l : record.layers) {
    if (!has_blob(l.digest)) return make_error(Errc::not_found, "store image " + record.name + ": layer blob " + l.digest + " missing");
    if (!has_layer(l.diff_id)) return make_error(Errc::not_found, "store image " + record.name + ": layer " + l.diff_id + " not unpacked");
    record.size += l.size;
  }
  if (record.created_unix == 0) record.created_unix = static_cast<int64_t>(std::time(nullptr));
  auto shared = lock(LOCK_SH);
  if (!shared) return shared.error();
  return write_file_atomic(root_ + "/tmp", record_path(record.name), record_to_json(record));
}

Result<ImageRecord> ContentStore::get_image(std::string_view name) const {
  std::string path = record_path(name);
  if (::access(path.c_str(), F_OK) != 0) {
    return make_error(Errc::not_found, "image " + std::string(name) + ": not found");
  }
  auto text = read_file(path, 16 << 20);
  if (!text) return text.error();
  auto record = record_from_json(*text);
  if (!record) return record.error().wrap(path);
  return record;
}

Result<std::vector<ImageRecord>> ContentStore::list_images() const {
  auto names = list_dir(root_ + "/images");
  if (!names) return names.error();
  std::vector<ImageRecord> out;
  for (const std::string& name : *names) {
    if (!name.ends_with(".json")) continue;
    auto text = read_file(root_ + "/images/" + name, 16 << 20);
    if (!text) continue;  // removed meanwhile
    auto record = record_from_json(*text);
    if (!record) {
      MK_LOG(warn) << "image store: skipping unreadable record " << name << ": " << record.error().message;
      continue;
    }
    out.push_back(std::move(*record));
  }
  std::sort(out.begin(), out.end(), [](const ImageRecord& a, const ImageRecord& b) { return a.name < b.name; });
  return out;
}

Status ContentStore::remove_image(std::string_view name) const {
  std::string path = record_path(name);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, "image " + std::string(name) + ": not found");
    return errno_error("remove " + path, errno);
  }
  return Status::ok();
}

Result<SweepStats> ContentStore::sweep() const {
  auto held = lock(LOCK_EX);
  if (!held) return held.error();
  auto images = list_images();
  if (!images) return images.error();
  std::set<std::string> blobs, layers;  // hex names still referenced
  for (const ImageRecord& r : *images) {
    for (const std::string* d : {&r.manifest_digest, &r.config_digest, &r.index_digest}) {
      if (is_sha256_digest(*d)) blobs.insert(digest_hex(*d));
    }
    for (const LayerRef& l : r.layers) {
      if (is_sha256_digest(l.digest)) blobs.insert(digest_hex(l.digest));
      if (is_sha256_digest(l.diff_id)) layers.insert(digest_hex(l.diff_id));
    }
  }
  SweepStats stats;
  auto blob_names = list_dir(root_ + "/blobs/sha256");
  if (!blob_names) return blob_names.error();
  for (const std::string& name : *blob_names) {
    if (blobs.count(name)) continue;
    std::string path = root_ + "/blobs/sha256/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) stats.bytes_freed += st.st_size;
    if (::unlink(path.c_str()) != 0) return errno_error("remove " + path, errno);
    ++stats.blobs_removed;
  }
  auto layer_names = list_dir(root_ + "/layers");
  if (!layer_names) return layer_names.error();
  for (const std::string& name : *layer_names) {
    if (layers.count(name)) continue;
    if (auto ok = remove_tree(root_ + "/layers/" + name); !ok) return ok.error();
    ++stats.layers_removed;
  }
  // Holding the lock exclusively, nobody is writing into tmp/.
  auto temps = list_dir(root_ + "/tmp");
  if (!temps) return temps.error();
  for (const std::string& name : *temps) {
    if (auto ok = remove_tree(root_ + "/tmp/" + name); !ok) return ok.error();
  }
  return stats;
}

}  // namespace mk::runtime::image
