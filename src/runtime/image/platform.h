#pragma once
// Platforms ("linux/arm64", "linux/arm/v7") and which image platforms a host can run, with
// containerd's preferences: arm64 runs arm64, then 32-bit arm v8..v5; arm/v7 runs v7, v6, v5;
// amd64 runs amd64 (lower micro-architecture levels) and finally 386.

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::runtime::image {

struct Platform {
  std::string os = "linux";
  std::string architecture;
  std::string variant;
  std::string str() const { return os + "/" + architecture + (variant.empty() ? "" : "/" + variant); }
};

// "linux/arm/v7", "arm64", "amd64"; aliases normalized (x86_64 -> amd64, aarch64 -> arm64).
Result<Platform> parse_platform(std::string_view text);
// The host's platform from uname(2) and, on 32-bit ARM, /proc/cpuinfo.
Platform host_platform();
// For tests: the variant a 32-bit ARM host has, from /proc/cpuinfo text.
std::string arm_variant_from_cpuinfo(std::string_view cpuinfo);

// How well `image` suits a host of `host`: 0 is a perfect match, larger is a worse fallback,
// nullopt means it cannot run there.
std::optional<int> platform_rank(const Platform& host, const Platform& image);

}  // namespace mk::runtime::image
