#pragma once
// sha256 digests in the OCI form "sha256:<64 lowercase hex>".

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::runtime::image {

// Incremental sha256 (OpenSSL EVP underneath).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  std::string digest();  // "sha256:<hex>"; the hasher is finished afterwards

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_digest(std::string_view data);

// Accepts only "sha256:" followed by 64 lowercase hex digits (the only algorithm stored).
bool is_sha256_digest(std::string_view digest);
// The hex part of a valid digest.
std::string digest_hex(std::string_view digest);
Status check_digest(std::string_view digest);

}  // namespace mk::runtime::image
