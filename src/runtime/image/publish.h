#pragma once
// The last step of a pull or an import: with the manifest, config and layer blobs in the store,
// unpack the layers (each checked against the config's diff ids) and write the image record.

#include <string>

#include "common/error.h"
#include "runtime/image/content_store.h"

namespace mk::runtime::image {

Result<ImageRecord> publish_image(const ContentStore& store, const std::string& name,
                                  const std::string& manifest_digest, const std::string& index_digest);

}  // namespace mk::runtime::image
