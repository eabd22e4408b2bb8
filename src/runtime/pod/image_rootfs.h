#pragma once
// A container's root filesystem from an image in the content store: the unpacked layer
// directories (lowest first) and the image config's "config" object (Env, Entrypoint, Cmd,
// WorkingDir, User) the runtime derives the process from.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::pod {

struct ImageRootfs {
  std::vector<std::string> layers;
  nlohmann::json config = nlohmann::json::object();
};

// `store_root` is <data-dir>/agent/images. Layers not yet unpacked are unpacked now.
Result<ImageRootfs> image_rootfs(const std::string& store_root, const std::string& image);

}  // namespace mk::runtime::pod
