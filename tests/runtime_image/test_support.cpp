#include "test_support.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "runtime/image/digest.h"
#include "runtime/image/layer_unpack.h"

namespace mk::runtime::image::testing {

TempDir::TempDir() {
  std::string tmpl = "/tmp/mk-image-test-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() { (void)remove_tree(path_); }

void write_tar(const std::string& path, const std::vector<TarEntry>& entries, Compression c) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (c == Compression::gzip) archive_write_add_filter_gzip(a);
  if (c == Compression::zstd) archive_write_add_filter_zstd(a);
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) throw std::runtime_error("open tar " + path);
  for (const TarEntry& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.name.c_str());
    archive_entry_set_mtime(e, 1, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    switch (t.type) {
      case TarEntry::file:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(t.content.size()));
        break;
      case TarEntry::dir: archive_entry_set_filetype(e, AE_IFDIR); break;
      case TarEntry::symlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, t.link.c_str());
        break;
      case TarEntry::hardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, t.link.c_str());
        break;
      case TarEntry::chardev:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdevmajor(e, 1);
        archive_entry_set_rdevminor(e, 3);
        break;
      case TarEntry::fifo: archive_entry_set_filetype(e, AE_IFIFO); break;
    }
    archive_entry_set_perm(e, t.mode);
    archive_write_header(a, e);
    if (t.type == TarEntry::file && !t.content.empty()) archive_write_data(a, t.content.data(), t.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) throw std::runtime_error("write " + path);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> list(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  return out;
}

namespace {

using nlohmann::json;

std::string put_blob(const std::string& layout, const std::string& data) {
  std::string digest = sha256_digest(data);
  write_file(layout + "/blobs/sha256/" + digest_hex(digest), data);
  return digest;
}

std::string uncompressed_digest(const std::string& path) {
  auto d = layer_diff_id(path);
  if (!d) throw std::runtime_error(d.error().message);
  return *d;
}

struct Single {
  std::string digest;
  size_t size;
};

Single write_manifest(const std::string& layout, const std::string& arch, const std::vector<std::string>& blobs,
                      const std::vector<std::string>& types, const std::vector<std::string>& diff_ids) {
  json config = {{"architecture", arch},
                 {"os", "linux"},
                 {"config", {{"Env", {"PATH=/bin"}}, {"Cmd", {"/bin/sh"}}, {"WorkingDir", "/"}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  std::string config_text = config.dump();
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                               {"digest", put_blob(layout, config_text)}, {"size", config_text.size()}}},
                   {"layers", json::array()}};
  for (size_t i = 0; i < blobs.size(); ++i) {
    manifest["layers"].push_back({{"mediaType", types[i]}, {"digest", sha256_digest(blobs[i])}, {"size", blobs[i].size()}});
    put_blob(layout, blobs[i]);
  }
  std::string text = manifest.dump();
  return {put_blob(layout, text), text.size()};
}

void write_index(const std::string& layout, const std::string& tag, const json& descriptor) {
  json d = descriptor;
  d["annotations"] = {{"org.opencontainers.image.ref.name", tag}};
  json index = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", {d}}};
  write_file(layout + "/index.json", index.dump());
  write_file(layout + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
}

void make_layout_dirs(const std::string& layout) {
  ::mkdir(layout.c_str(), 0755);
  ::mkdir((layout + "/blobs").c_str(), 0755);
  ::mkdir((layout + "/blobs/sha256").c_str(), 0755);
}

}  // namespace

BuiltImage build_layout(const std::string& layout, const std::string& tag, const std::vector<std::string>& layer_blobs,
                        const std::vector<std::string>& layer_media_types) {
  make_layout_dirs(layout);
  BuiltImage out;
  for (const std::string& blob : layer_blobs) {
    std::string tmp = layout + "/layer.tmp";
    write_file(tmp, blob);
    out.diff_ids.push_back(uncompressed_digest(tmp));
    ::unlink(tmp.c_str());
  }
  Single m = write_manifest(layout, "amd64", layer_blobs, layer_media_types, out.diff_ids);
  write_index(layout, tag, {{"mediaType", "application/vnd.oci.image.manifest.v1+json"}, {"digest", m.digest}, {"size", m.size},
                            {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}});
  out.manifest_digest = m.digest;
  out.platform_manifests.push_back(m.digest);
  return out;
}

BuiltImage build_busybox_layout(const std::string& layout, const std::string& tag, bool multi_arch) {
  make_layout_dirs(layout);
  std::vector<TarEntry> entries = {{TarEntry::dir, "bin", "", "", 0755},
                                   {TarEntry::file, "bin/busybox", read_file("/bin/busybox"), "", 0755}};
  for (const char* applet : {"sh", "true", "echo", "sleep", "cat", "ls", "id", "env"}) {
    entries.push_back({TarEntry::symlink, std::string("bin/") + applet, "", "busybox", 0777});
  }
  std::string tar = layout + "/layer.tar.gz";
  write_tar(tar, entries, Compression::gzip);
  std::string blob = read_file(tar);
  BuiltImage out;
  out.diff_ids.push_back(uncompressed_digest(tar));
  ::unlink(tar.c_str());
  const std::string gz = "application/vnd.oci.image.layer.v1.tar+gzip";
  Single amd = write_manifest(layout, "amd64", {blob}, {gz}, out.diff_ids);
  out.platform_manifests.push_back(amd.digest);
  json amd_desc = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"}, {"digest", amd.digest}, {"size", amd.size},
                   {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}};
  if (!multi_arch) {
    write_index(layout, tag, amd_desc);
    out.manifest_digest = amd.digest;
    return out;
  }
  Single arm = write_manifest(layout, "arm64", {blob}, {gz}, out.diff_ids);
  out.platform_manifests.push_back(arm.digest);
  json arm_desc = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"}, {"digest", arm.digest}, {"size", arm.size},
                   {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}};
  json nested = {{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", {amd_desc, arm_desc}}};
  std::string text = nested.dump();
  out.manifest_digest = put_blob(layout, text);
  write_index(layout, tag, {{"mediaType", "application/vnd.oci.image.index.v1+json"}, {"digest", out.manifest_digest}, {"size", text.size()}});
  return out;
}

int run(const std::vector<std::string>& argv, std::string* output) {
  char tmpl[] = "/tmp/mk-image-test-out-XXXXXX";
  int out_fd = ::mkstemp(tmpl);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out_fd);
  if (output) *output = read_file(tmpl);
  ::unlink(tmpl);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool is_root() { return ::geteuid() == 0; }

}  // namespace mk::runtime::image::testing
