#pragma once
// Image references as Docker normalizes them: "busybox" is "docker.io/library/busybox:latest".

#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::runtime::image {

struct Reference {
  std::string registry;    // "docker.io", "ghcr.io", "127.0.0.1:5000"
  std::string repository;  // "library/busybox"
  std::string tag;         // empty when pinned by digest only
  std::string digest;      // "sha256:..." or empty

  std::string repo_name() const { return registry + "/" + repository; }
  // The image's name in the store: "docker.io/library/busybox:1.36" (or "...@sha256:..." when
  // there is no tag).
  std::string name() const;
  // What to ask the registry's manifests endpoint for: the digest when known, else the tag.
  std::string manifest_ref() const { return digest.empty() ? tag : digest; }
};

Result<Reference> parse_reference(std::string_view text);

}  // namespace mk::runtime::image
