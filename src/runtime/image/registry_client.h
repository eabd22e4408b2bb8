#pragma once
// One repository on one registry endpoint, over the OCI distribution API (v2): manifests and
// blobs, with anonymous, Basic and Bearer-token authentication (the WWW-Authenticate challenge
// is answered when a request gets 401), redirects (Authorization never follows to another
// host), and blob downloads that resume with Range after a broken connection.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "runtime/image/content_store.h"
#include "runtime/image/registry_config.h"

namespace mk::runtime::image {

struct ManifestResponse {
  std::string body;
  std::string content_type;
  std::string digest;  // Docker-Content-Digest, empty when the registry sent none
};

// (blob digest, bytes so far, total bytes)
using ProgressFn = std::function<void(const std::string&, int64_t, int64_t)>;

class RegistryClient {
 public:
  RegistryClient(Endpoint endpoint, std::string repository);
  ~RegistryClient();

  // `reference` is a tag or a digest. Bodies over 4 MiB are refused.
  Result<ManifestResponse> get_manifest(const std::string& reference);
  // Downloads the blob into `writer` (retrying and resuming) and commits it.
  Status fetch_blob(const std::string& digest, int64_t size, BlobWriter& writer, const ProgressFn& progress);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mk::runtime::image
