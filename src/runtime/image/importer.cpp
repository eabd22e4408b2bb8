#include "runtime/image/importer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>

#include "common/log.h"
#include "runtime/image/digest.h"
#include "runtime/image/layer_unpack.h"
#include "runtime/image/manifest.h"
#include "runtime/image/publish.h"
#include "runtime/image/reference.h"
#include "runtime/image/unique_fd.h"

namespace mk::runtime::image {
namespace {

using nlohmann::json;

// A name inside the archive, cleaned: no leading "./" or "/", no empty or "." parts; `..` is
// resolved lexically and may not climb above the archive root.
Result<std::string> clean_name(const std::string& name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) return make_error(Errc::permission_denied, "archive path \"" + name + "\" leads outside the archive");
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

// The files of an archive or layout directory, each reachable as a local file.
class Files {
 public:
  virtual ~Files() = default;
  virtual Result<std::string> local_path(const std::string& name) const = 0;
  bool has(const std::string& name) const { return local_path(name).has_value(); }
};

class DirectoryFiles : public Files {
 public:
  explicit DirectoryFiles(std::string dir) : dir_(std::move(dir)) {}
  Result<std::string> local_path(const std::string& name) const override {
    if (name.starts_with("/")) return make_error(Errc::permission_denied, "archive path \"" + name + "\" is absolute");
    auto clean = clean_name(name);
    if (!clean) return clean.error();
    std::string path = dir_ + "/" + *clean;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return make_error(Errc::not_found, "import " + dir_ + ": no file " + *clean);
    }
    return path;
  }

 private:
  std::string dir_;
};

// A tarball's regular files copied out into a scratch directory under the store's tmp/, keyed
// by their cleaned names; symlinks and hardlinks are kept as name -> name and resolved on lookup,
// so nothing from the archive decides where a file lands on disk.
class TarFiles : public Files {
 public:
  ~TarFiles() override {
    if (!scratch_.empty()) (void)remove_tree(scratch_);
  }

  Status load(const std::string& tar, const std::string& tmp_dir) {
    scratch_ = tmp_dir + "/import-XXXXXX";
    if (::mkdtemp(scratch_.data()) == nullptr) {
      int err = errno;
      scratch_.clear();
      return errno_error("create scratch directory in " + tmp_dir, err);
    }
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), tar.c_str(), 1 << 16) != ARCHIVE_OK) {
      return make_error(Errc::corrupt, "open " + tar + ": " + archive_error_string(a.get()));
    }
    archive_entry* e = nullptr;
    int count = 0;
    for (;;) {
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return make_error(Errc::corrupt, "read " + tar + ": " + archive_error_string(a.get()));
      auto name = clean_name(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
      if (!name) return name.error().wrap("read " + tar);
      if (const char* hard = archive_entry_hardlink(e)) {
        auto target = clean_name(hard);
        if (!target) return target.error().wrap("read " + tar);
        links_[*name] = *target;
        continue;
      }
      if (archive_entry_filetype(e) == AE_IFLNK) {
        std::string target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        std::string dir = name->find('/') == std::string::npos ? "" : name->substr(0, name->rfind('/'));
        auto resolved = clean_name(target.starts_with("/") ? target : dir + "/" + target);
        if (!resolved) return resolved.error().wrap("read " + tar);
        links_[*name] = *resolved;
        continue;
      }
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      std::string path = scratch_ + "/" + std::to_string(count++);
      UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!fd) return errno_error("create " + path, errno);
      if (archive_read_data_into_fd(a.get(), fd.get()) != ARCHIVE_OK) {
        return make_error(Errc::corrupt, "read " + tar + ": " + *name + ": " + archive_error_string(a.get()));
      }
      files_[*name] = path;
    }
    return Status::ok();
  }

  Result<std::string> local_path(const std::string& name_in) const override {
    auto name = clean_name(name_in);
    if (!name) return name.error();
    std::string cur = *name;
    for (int hops = 0; hops < 16; ++hops) {
      if (auto it = files_.find(cur); it != files_.end()) return it->second;
      auto link = links_.find(cur);
      if (link == links_.end()) break;
      cur = link->second;
    }
    return make_error(Errc::not_found, "no file " + *name + " in the archive");
  }

 private:
  std::string scratch_;
  std::map<std::string, std::string> files_;
  std::map<std::string, std::string> links_;
};

Result<std::string> read_small(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path, errno);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (64u << 20)) return make_error(Errc::too_large, "read " + path + ": larger than 64 MiB");
  }
  return out;
}

struct FileDigest {
  std::string digest;
  int64_t size = 0;
};

Result<FileDigest> hash_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path, errno);
  Sha256 sha;
  FileDigest out;
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path, errno);
    if (n == 0) break;
    sha.update(buf.data(), static_cast<size_t>(n));
    out.size += n;
  }
  out.digest = sha.digest();
  return out;
}

// Copies a file into the store as the blob `digest`; a file that does not hash to it (or has
// another size, when size >= 0) is refused.
Status copy_blob(const ContentStore& store, const std::string& path, const std::string& digest, int64_t size) {
  if (store.has_blob(digest)) return Status::ok();
  auto writer = store.blob_writer(digest, size);
  if (!writer) return writer.error();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path, errno);
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path, errno);
    if (n == 0) break;
    if (auto ok = (*writer)->write(buf.data(), static_cast<size_t>(n)); !ok) return ok;
  }
  return (*writer)->commit();
}

Status copy_layout_blob(const ContentStore& store, const Files& files, const Descriptor& d) {
  auto path = files.local_path("blobs/sha256/" + digest_hex(d.digest));
  if (!path) return path.error();
  return copy_blob(store, *path, d.digest, d.size);
}

// The store name for a layout entry, or empty when it has none usable.
std::string layout_name(const Descriptor& d) {
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    auto it = d.annotations.find(key);
    if (it == d.annotations.end()) continue;
    auto ref = parse_reference(it->second);
    if (ref) return ref->name();
  }
  return "";
}

// Copies a manifest and everything it refers to; returns its digest.
Status copy_manifest_tree(const ContentStore& store, const Files& files, const Descriptor& d) {
  if (auto ok = copy_layout_blob(store, files, d); !ok) return ok;
  auto body = store.read_blob(d.digest);
  if (!body) return body.error();
  auto manifest = parse_manifest(*body);
  if (!manifest) return manifest.error();
  if (auto ok = copy_layout_blob(store, files, manifest->config); !ok) return ok;
  for (const Descriptor& layer : manifest->layers) {
    if (auto ok = copy_layout_blob(store, files, layer); !ok) return ok;
  }
  return Status::ok();
}

Result<std::vector<ImageRecord>> import_oci_layout(const ContentStore& store, const Files& files, const Platform& host) {
  auto index_path = files.local_path("index.json");
  if (!index_path) return index_path.error();
  auto body = read_small(*index_path);
  if (!body) return body.error();
  auto index = parse_index(*body);
  if (!index) return index.error().wrap("index.json");
  // Entries sharing a name are the platforms of one image.
  std::map<std::string, Index> by_name;
  for (const Descriptor& d : index->manifests) {
    std::string name = layout_name(d);
    if (name.empty()) {
      MK_LOG(warn) << "image import: skipping manifest " << d.digest << " without an image name annotation";
      continue;
    }
    by_name[name].manifests.push_back(d);
  }
  std::vector<ImageRecord> out;
  for (auto& [name, entries] : by_name) {
    Descriptor chosen = entries.manifests.front();
    std::string index_digest;
    if (entries.manifests.size() > 1) {
      auto best = choose_manifest(entries, host);
      if (!best) return best.error().wrap("image " + name);
      chosen = *best;
    } else if (is_index_type(chosen.media_type)) {
      if (auto ok = copy_layout_blob(store, files, chosen); !ok) return ok.error().wrap("image " + name);
      auto nested_body = store.read_blob(chosen.digest);
      if (!nested_body) return nested_body.error();
      auto nested = parse_index(*nested_body);
      if (!nested) return nested.error().wrap("image " + name);
      auto best = choose_manifest(*nested, host);
      if (!best) return best.error().wrap("image " + name);
      index_digest = chosen.digest;
      chosen = *best;
    }
    if (auto ok = copy_manifest_tree(store, files, chosen); !ok) return ok.error().wrap("image " + name);
    auto record = publish_image(store, name, chosen.digest, index_digest);
    if (!record) return record.error();
    out.push_back(std::move(*record));
  }
  return out;
}

std::string layer_media_type(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  unsigned char magic[4] = {0, 0, 0, 0};
  if (fd && ::read(fd.get(), magic, sizeof magic) == 4) {
    if (magic[0] == 0x1f && magic[1] == 0x8b) return std::string(media_type::kDockerLayerGzip);
    if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
      return "application/vnd.docker.image.rootfs.diff.tar.zstd";
    }
  }
  return std::string(media_type::kDockerLayer);
}

// `docker save` output: builds a Docker schema2 manifest from each manifest.json entry.
Result<std::vector<ImageRecord>> import_docker_archive(const ContentStore& store, const Files& files) {
  auto path = files.local_path("manifest.json");
  if (!path) return path.error();
  auto body = read_small(*path);
  if (!body) return body.error();
  json entries = json::parse(*body, nullptr, false);
  if (!entries.is_array()) return make_error(Errc::corrupt, "manifest.json: not a JSON list");
  std::vector<ImageRecord> out;
  for (const json& entry : entries) {
    if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string() ||
        !entry.contains("Layers") || !entry["Layers"].is_array()) {
      return make_error(Errc::corrupt, "manifest.json: entry without Config or Layers");
    }
    auto config_path = files.local_path(entry["Config"].get<std::string>());
    if (!config_path) return config_path.error();
    auto config = hash_file(*config_path);
    if (!config) return config.error();
    if (auto ok = copy_blob(store, *config_path, config->digest, config->size); !ok) return ok.error();
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", media_type::kDockerManifest},
                     {"config", {{"mediaType", media_type::kDockerConfig}, {"size", config->size}, {"digest", config->digest}}},
                     {"layers", json::array()}};
    for (const json& layer : entry["Layers"]) {
      if (!layer.is_string()) return make_error(Errc::corrupt, "manifest.json: layer is not a path");
      auto layer_path = files.local_path(layer.get<std::string>());
      if (!layer_path) return layer_path.error();
      auto digest = hash_file(*layer_path);
      if (!digest) return digest.error();
      if (auto ok = copy_blob(store, *layer_path, digest->digest, digest->size); !ok) return ok.error();
      manifest["layers"].push_back(
          {{"mediaType", layer_media_type(*layer_path)}, {"size", digest->size}, {"digest", digest->digest}});
    }
    auto manifest_digest = store.put_blob(manifest.dump());
    if (!manifest_digest) return manifest_digest.error();
    std::vector<std::string> names;
    if (entry.contains("RepoTags") && entry["RepoTags"].is_array()) {
      for (const json& tag : entry["RepoTags"]) {
        if (!tag.is_string()) continue;
        auto ref = parse_reference(tag.get<std::string>());
        if (ref) names.push_back(ref->name());
        else MK_LOG(warn) << "image import: skipping tag: " << ref.error().message;
      }
    }
    if (names.empty()) MK_LOG(warn) << "image import: skipping image " << config->digest << " without a tag";
    for (const std::string& name : names) {
      auto record = publish_image(store, name, *manifest_digest, "");
      if (!record) return record.error();
      out.push_back(std::move(*record));
    }
  }
  return out;
}

}  // namespace

Result<std::vector<ImageRecord>> import_images(const ContentStore& store, const std::string& path,
                                               const Platform& host) {
  auto lease = store.lease();
  if (!lease) return lease.error();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error("import " + path, errno);
  std::unique_ptr<Files> files;
  if (S_ISDIR(st.st_mode)) {
    files = std::make_unique<DirectoryFiles>(path);
  } else {
    auto tar = std::make_unique<TarFiles>();
    if (auto ok = tar->load(path, store.root() + "/tmp"); !ok) return ok.error().wrap("import " + path);
    files = std::move(tar);
  }
  Result<std::vector<ImageRecord>> result = std::vector<ImageRecord>{};
  // Docker >= 25 writes both forms; the OCI layout is the more precise one.
  if (files->has("index.json")) result = import_oci_layout(store, *files, host);
  else if (files->has("manifest.json")) result = import_docker_archive(store, *files);
  else return make_error(Errc::invalid_argument, "import " + path + ": neither an OCI layout (index.json) nor a docker save archive (manifest.json)");
  if (!result) return result.error().wrap("import " + path);
  return result;
}

Result<std::vector<ImageRecord>> import_directory(const ContentStore& store, const std::string& dir,
                                                  const Platform& host) {
  std::vector<ImageRecord> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return errno_error("read directory " + dir, errno);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    bool tarball = false;
    for (const char* suffix : {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst"}) tarball = tarball || name.ends_with(suffix);
    if (!tarball) continue;
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    auto imported = import_images(store, path, host);
    if (!imported) {
      MK_LOG(error) << "image import: " << imported.error().message;
      continue;
    }
    for (auto& r : *imported) {
      MK_LOG(info) << "image import: " << r.name << " from " << path;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace mk::runtime::image
