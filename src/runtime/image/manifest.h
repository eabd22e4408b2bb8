#pragma once
// OCI and Docker schema2 documents: indexes / manifest lists, manifests, image configs.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/image/platform.h"

namespace mk::runtime::image {

namespace media_type {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
// What a registry client accepts for a manifest request.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
}  // namespace media_type

bool is_index_type(std::string_view media_type);
bool is_manifest_type(std::string_view media_type);
// OCI and Docker layer types (tar, gzip, zstd, non-distributable); not Windows foreign layers.
bool is_layer_type(std::string_view media_type);

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct ImageConfig {
  Platform platform;
  std::vector<std::string> diff_ids;
};

// The document's media type: `declared` (a Content-Type or a descriptor's type, parameters
// ignored) checked against the body's own "mediaType"; guessed from the shape when neither
// says. Schema1 and unknown types are refused.
Result<std::string> document_type(std::string_view body, std::string_view declared);

Result<Index> parse_index(std::string_view body);
Result<Manifest> parse_manifest(std::string_view body);
Result<ImageConfig> parse_image_config(std::string_view body);

// The best manifest of an index for `host`; non-image entries (attestations) are skipped.
Result<Descriptor> choose_manifest(const Index& index, const Platform& host);

}  // namespace mk::runtime::image
