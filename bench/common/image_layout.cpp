#include "image_layout.h"

#include <sys/random.h>
#include <sys/utsname.h>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "command.h"

namespace mk::bench {
namespace {

namespace fs = std::filesystem;

Result<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "open " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

Status write_random_file(const std::string& path, size_t mib) {
  std::ofstream out(path, std::ios::binary);
  std::vector<char> buf(1 << 20);
  for (size_t i = 0; i < mib; ++i) {
    for (size_t done = 0; done < buf.size();) {
      ssize_t n = ::getrandom(buf.data() + done, buf.size() - done, 0);
      if (n <= 0) return errno_error("getrandom", errno);
      done += static_cast<size_t>(n);
    }
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  }
  if (!out) return make_error(Errc::io, "write " + path);
  return Status::ok();
}

struct Blob {
  std::string digest;
  int64_t size = 0;
};

// Moves `file` into the layout's blob store under its digest.
Result<Blob> add_blob(const std::string& layout, const std::string& file) {
  auto digest = sha256_file(file);
  if (!digest) return digest.error();
  std::error_code ec;
  auto size = static_cast<int64_t>(fs::file_size(file, ec));
  fs::rename(file, layout + "/blobs/sha256/" + digest->substr(7), ec);
  if (ec) return make_error(Errc::io, "move " + file + " into " + layout + ": " + ec.message());
  return Blob{*digest, size};
}

Result<Blob> add_json_blob(const std::string& layout, const std::string& scratch, const nlohmann::json& j) {
  std::ofstream(scratch) << j.dump();
  return add_blob(layout, scratch);
}

struct Layer {
  Blob blob;
  std::string diff_id;
};

// tar of `dir`, its digest (the diff id), then gzip of it as a blob.
Result<Layer> add_layer(const std::string& layout, const std::string& dir, const std::string& tar,
                        const std::string& work) {
  auto t = run_checked({"/usr/bin/tar", "-C", dir, "--numeric-owner", "-cf", tar, "."}, work + "/tar.log",
                       std::chrono::minutes(2));
  if (!t) return t.error();
  auto diff_id = sha256_file(tar);
  if (!diff_id) return diff_id.error();
  auto z = run_checked({"/usr/bin/gzip", "-1", "-n", "-f", tar}, work + "/gzip.log", std::chrono::minutes(2));
  if (!z) return z.error();
  auto blob = add_blob(layout, tar + ".gz");
  if (!blob) return blob.error();
  return Layer{*blob, *diff_id};
}

std::string oci_architecture() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

}  // namespace

Status write_image_layout(const std::string& layout, const std::string& rootfs, size_t random_mib,
                          const std::string& ref_name, const std::string& work) {
  std::error_code ec;
  fs::create_directories(layout + "/blobs/sha256", ec);
  if (ec) return make_error(Errc::io, "create " + layout + ": " + ec.message());
  std::vector<Layer> layers;
  auto base = add_layer(layout, rootfs, work + "/layer-base.tar", work);
  if (!base) return base.error();
  layers.push_back(*base);
  if (random_mib > 0) {
    std::string data = work + "/big-data";
    fs::create_directories(data, ec);
    if (ec) return make_error(Errc::io, "create " + data + ": " + ec.message());
    if (Status s = write_random_file(data + "/random.bin", random_mib); !s) return s;
    auto big = add_layer(layout, data, work + "/layer-big.tar", work);
    if (!big) return big.error();
    layers.push_back(*big);
    fs::remove_all(data, ec);
  }

  const char* layer_type = "application/vnd.oci.image.layer.v1.tar+gzip";
  auto descriptor = [](const char* type, const Blob& b) {
    return nlohmann::json{{"mediaType", type}, {"digest", b.digest}, {"size", b.size}};
  };
  nlohmann::json diff_ids = nlohmann::json::array();
  nlohmann::json layer_descriptors = nlohmann::json::array();
  for (const Layer& l : layers) {
    diff_ids.push_back(l.diff_id);
    layer_descriptors.push_back(descriptor(layer_type, l.blob));
  }
  nlohmann::json config = {{"architecture", oci_architecture()},
                           {"os", "linux"},
                           {"config", {{"Env", {"PATH=/bin"}}, {"Cmd", {"/bin/sh"}}}},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  auto config_blob = add_json_blob(layout, work + "/config.json", config);
  if (!config_blob) return config_blob.error();
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"config", descriptor("application/vnd.oci.image.config.v1+json", *config_blob)},
                             {"layers", layer_descriptors}};
  auto manifest_blob = add_json_blob(layout, work + "/manifest.json", manifest);
  if (!manifest_blob) return manifest_blob.error();
  nlohmann::json entry = descriptor("application/vnd.oci.image.manifest.v1+json", *manifest_blob);
  entry["annotations"] = {{"org.opencontainers.image.ref.name", ref_name}};
  nlohmann::json index = {{"schemaVersion", 2}, {"manifests", {entry}}};
  std::ofstream(layout + "/index.json") << index.dump();
  std::ofstream layout_file(layout + "/oci-layout");
  layout_file << R"({"imageLayoutVersion":"1.0.0"})";
  if (!layout_file) return make_error(Errc::io, "write " + layout + "/oci-layout");
  return Status::ok();
}

}  // namespace mk::bench
