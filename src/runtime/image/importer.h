#pragma once
// Airgap imports into the content store:
//   - OCI image layouts, as a directory or a tar (oci-archive): `index.json` + `blobs/`
//   - `docker save` tarballs (docker-archive): `manifest.json` + config + layer tars
// Tarballs may be gzip or zstd compressed. Images are named from the layout's
// `io.containerd.image.name` or `org.opencontainers.image.ref.name` annotations, or from
// docker-archive RepoTags, normalized ("alpine:3" -> "docker.io/library/alpine:3").

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/image/content_store.h"
#include "runtime/image/platform.h"

namespace mk::runtime::image {

// Imports one archive file or OCI layout directory; returns the images it recorded. Where an
// image comes in several platforms, the one best for `host` is taken.
Result<std::vector<ImageRecord>> import_images(const ContentStore& store, const std::string& path,
                                               const Platform& host);

// Imports every tarball (.tar, .tar.gz, .tgz, .tar.zst, .tzst) in `dir`, in name order. A
// tarball that fails is logged and skipped; the result lists what was imported. A missing
// directory imports nothing.
Result<std::vector<ImageRecord>> import_directory(const ContentStore& store, const std::string& dir,
                                                  const Platform& host);

}  // namespace mk::runtime::image
