#pragma once
// The kubelet's image step: makes a container's image present in the content store as its
// imagePullPolicy says (Always pulls; IfNotPresent pulls when the store lacks it; Never only
// looks in the store, which airgap imports fill).

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/image/content_store.h"
#include "runtime/image/registry_config.h"

namespace mk::agent::kubelet {

// The policy the API server defaults to when a container names none: Always for ":latest" or
// no tag (and no digest), IfNotPresent otherwise.
std::string default_pull_policy(const std::string& image);

// Returns the image's record. A missing image under Never is Errc::not_found; a failed pull
// keeps the registry's message.
Result<runtime::image::ImageRecord> ensure_image(const runtime::image::ContentStore& store, const std::string& image,
                                                 const std::string& policy,
                                                 const runtime::image::RegistriesConfig& registries);

// The imageID the kubelet reports: "<registry>/<repository>@<digest>" of the manifest (or the
// index it was chosen from).
std::string image_id(const runtime::image::ImageRecord& record);

// Node status.images as the kubelet reports it: the largest images first, at most 50, each with
// its names ("<repository>@<digest>", then "<repository>:<tag>") and sizeBytes.
nlohmann::json node_images(std::vector<runtime::image::ImageRecord> records);

}  // namespace mk::agent::kubelet
