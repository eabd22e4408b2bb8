#pragma once
// Pulling an image from an OCI distribution registry into the content store: resolve the
// reference (through registries.yaml mirrors), fetch the manifest (choosing a platform from an
// index or manifest list), fetch the config and layers with digest and size checked, unpack the
// layers and only then record the image.

#include <string>

#include "common/error.h"
#include "runtime/image/content_store.h"
#include "runtime/image/platform.h"
#include "runtime/image/registry_client.h"
#include "runtime/image/registry_config.h"

namespace mk::runtime::image {

struct PullOptions {
  Platform platform = host_platform();
  RegistriesConfig registries;
  ProgressFn progress;  // called as blob bytes arrive
};

Result<ImageRecord> pull_image(const ContentStore& store, const std::string& reference, const PullOptions& options);

}  // namespace mk::runtime::image
