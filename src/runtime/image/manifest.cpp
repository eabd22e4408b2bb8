#include "runtime/image/manifest.h"

#include <nlohmann/json.hpp>

#include "runtime/image/digest.h"

namespace mk::runtime::image {
namespace {

using nlohmann::json;

Result<json> parse_object(std::string_view body, const char* what) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(Errc::corrupt, std::string(what) + ": not a JSON object");
  return j;
}

Result<Descriptor> parse_descriptor(const json& j, const char* what) {
  Descriptor d;
  if (!j.is_object()) return make_error(Errc::corrupt, std::string(what) + ": descriptor is not an object");
  d.media_type = j.value("mediaType", "");
  d.digest = j.value("digest", "");
  if (auto it = j.find("size"); it != j.end() && it->is_number_integer()) d.size = it->get<int64_t>();
  if (!is_sha256_digest(d.digest)) {
    return make_error(Errc::corrupt, std::string(what) + ": descriptor digest \"" + d.digest + "\" is not a sha256 digest");
  }
  if (d.size < 0) return make_error(Errc::corrupt, std::string(what) + ": negative descriptor size");
  if (auto it = j.find("platform"); it != j.end() && it->is_object()) {
    Platform p;
    p.os = it->value("os", "");
    p.architecture = it->value("architecture", "");
    p.variant = it->value("variant", "");
    if (p.architecture == "arm64" && p.variant == "v8") p.variant.clear();
    d.platform = p;
  }
  if (auto it = j.find("annotations"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
    }
  }
  return d;
}

std::string strip_parameters(std::string_view type) {
  std::string t(type.substr(0, type.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

}  // namespace

bool is_index_type(std::string_view t) { return t == media_type::kOciIndex || t == media_type::kDockerList; }
bool is_manifest_type(std::string_view t) { return t == media_type::kOciManifest || t == media_type::kDockerManifest; }

bool is_layer_type(std::string_view t) {
  if (t.find("foreign") != std::string_view::npos) return false;
  return t.starts_with("application/vnd.oci.image.layer.") || t.starts_with("application/vnd.docker.image.rootfs.diff.tar");
}

Result<std::string> document_type(std::string_view body, std::string_view declared_in) {
  auto j = parse_object(body, "manifest");
  if (!j) return j.error();
  std::string declared = strip_parameters(declared_in);
  std::string own = j->value("mediaType", "");
  // Generic types say nothing about the document.
  if (declared == "application/json" || declared == "application/octet-stream" || declared == "text/plain") declared.clear();
  if (!declared.empty() && !own.empty() && declared != own) {
    return make_error(Errc::corrupt, "manifest: declared as " + declared + " but its mediaType is " + own);
  }
  std::string type = !declared.empty() ? declared : own;
  if (type.empty()) {
    if (j->contains("manifests")) type = std::string(media_type::kOciIndex);
    else if (j->contains("layers") && j->contains("config")) type = std::string(media_type::kOciManifest);
  }
  if (type == media_type::kDockerSchema1Signed || j->value("schemaVersion", 0) == 1) {
    return make_error(Errc::unsupported, "manifest: Docker schema 1 is deprecated and not supported");
  }
  if (!is_index_type(type) && !is_manifest_type(type)) {
    return make_error(Errc::unsupported, "manifest: unsupported media type \"" + type + "\"");
  }
  return type;
}

Result<Index> parse_index(std::string_view body) {
  auto j = parse_object(body, "index");
  if (!j) return j.error();
  Index index;
  index.media_type = j->value("mediaType", std::string(media_type::kOciIndex));
  auto it = j->find("manifests");
  if (it == j->end() || !it->is_array()) return make_error(Errc::corrupt, "index: no manifests list");
  for (const auto& m : *it) {
    auto d = parse_descriptor(m, "index");
    if (!d) return d.error();
    index.manifests.push_back(std::move(*d));
  }
  return index;
}

Result<Manifest> parse_manifest(std::string_view body) {
  auto j = parse_object(body, "manifest");
  if (!j) return j.error();
  Manifest m;
  m.media_type = j->value("mediaType", std::string(media_type::kOciManifest));
  auto config = j->find("config");
  if (config == j->end()) return make_error(Errc::corrupt, "manifest: no config descriptor");
  auto c = parse_descriptor(*config, "manifest config");
  if (!c) return c.error();
  m.config = std::move(*c);
  auto layers = j->find("layers");
  if (layers == j->end() || !layers->is_array()) return make_error(Errc::corrupt, "manifest: no layers list");
  for (const auto& l : *layers) {
    auto d = parse_descriptor(l, "manifest layer");
    if (!d) return d.error();
    if (!is_layer_type(d->media_type)) {
      return make_error(Errc::unsupported, "manifest: layer " + d->digest + " has unsupported media type \"" + d->media_type + "\"");
    }
    m.layers.push_back(std::move(*d));
  }
  return m;
}

Result<ImageConfig> parse_image_config(std::string_view body) {
  auto j = parse_object(body, "image config");
  if (!j) return j.error();
  ImageConfig c;
  c.platform.os = j->value("os", "linux");
  c.platform.architecture = j->value("architecture", "");
  c.platform.variant = j->value("variant", "");
  auto rootfs = j->find("rootfs");
  if (rootfs == j->end() || !rootfs->is_object()) return make_error(Errc::corrupt, "image config: no rootfs");
  auto ids = rootfs->find("diff_ids");
  if (ids == rootfs->end() || !ids->is_array()) return make_error(Errc::corrupt, "image config: no rootfs.diff_ids");
  for (const auto& id : *ids) {
    if (!id.is_string() || !is_sha256_digest(id.get<std::string>())) {
      return make_error(Errc::corrupt, "image config: diff id is not a sha256 digest");
    }
    c.diff_ids.push_back(id.get<std::string>());
  }
  return c;
}

Result<Descriptor> choose_manifest(const Index& index, const Platform& host) {
  const Descriptor* best = nullptr;
  int best_rank = 0;
  std::string seen;
  for (const Descriptor& d : index.manifests) {
    if (!is_manifest_type(d.media_type) && !d.media_type.empty()) continue;
    if (!d.platform) continue;
    if (d.platform->os == "unknown") continue;  // attestations
    seen += (seen.empty() ? "" : ", ") + d.platform->str();
    auto rank = platform_rank(host, *d.platform);
    if (rank && (!best || *rank < best_rank)) {
      best = &d;
      best_rank = *rank;
    }
  }
  if (!best) {
    return make_error(Errc::unsupported, "no image for platform " + host.str() + " (the index has " +
                                           (seen.empty() ? std::string("none") : seen) + ")");
  }
  return *best;
}

}  // namespace mk::runtime::image
