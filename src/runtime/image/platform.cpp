#include "runtime/image/platform.h"

#include <sys/utsname.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace mk::runtime::image {
namespace {

std::string normalize_arch(std::string arch) {
  if (arch == "x86_64" || arch == "x86-64") return "amd64";
  if (arch == "aarch64") return "arm64";
  if (arch == "i386" || arch == "i686") return "386";
  if (arch.starts_with("armv")) return "arm";
  return arch;
}

// "v7" -> 7; "" -> fallback.
int variant_number(const std::string& variant, int fallback) {
  if (variant.size() < 2 || variant[0] != 'v') return fallback;
  try {
    return std::stoi(variant.substr(1));
  } catch (...) {
    return fallback;
  }
}

}  // namespace

Result<Platform> parse_platform(std::string_view text) {
  std::string s(text);
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, '/');) parts.push_back(part);
  Platform p;
  if (parts.size() == 1) {
    p.architecture = parts[0];
  } else if (parts.size() == 2 || parts.size() == 3) {
    p.os = parts[0];
    p.architecture = parts[1];
    if (parts.size() == 3) p.variant = parts[2];
  }
  if (p.architecture.empty() || p.os.empty()) {
    return make_error(Errc::invalid_argument, "platform \"" + s + "\": expected os/arch[/variant]");
  }
  p.architecture = normalize_arch(p.architecture);
  if (p.architecture == "arm64" && p.variant == "v8") p.variant.clear();
  return p;
}

std::string arm_variant_from_cpuinfo(std::string_view cpuinfo) {
  std::string text(cpuinfo), line, variant, model;
  std::stringstream in(text);
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (key == "CPU architecture" && variant.empty()) variant = "v" + value.substr(0, value.find_first_not_of("0123456789"));
    if (key == "model name" && model.empty()) model = value;
  }
  // Raspberry Pi Zero/1 (ARMv6) report architecture 7.
  if (model.starts_with("ARMv6-compatible")) return "v6";
  if (variant == "v8") return "v8";
  return variant.empty() ? "v7" : variant;
}

Platform host_platform() {
  Platform p;
  utsname u{};
  ::uname(&u);
  p.architecture = normalize_arch(u.machine);
  if (p.architecture == "arm") {
    std::ifstream in("/proc/cpuinfo");
    std::stringstream text;
    text << in.rdbuf();
    p.variant = arm_variant_from_cpuinfo(text.str());
  }
  return p;
}

std::optional<int> platform_rank(const Platform& host, const Platform& image) {
  if (image.os != host.os) return std::nullopt;
  const std::string& arch = host.architecture;
  if (arch == "arm64") {
    if (image.architecture == "arm64") return image.variant.empty() || image.variant == "v8" ? 0 : std::optional<int>();
    if (image.architecture == "arm") {
      int v = variant_number(image.variant, 7);
      if (v >= 5 && v <= 8) return 1 + (8 - v);
    }
    return std::nullopt;
  }
  if (arch == "arm") {
    if (image.architecture != "arm") return std::nullopt;
    int want = variant_number(host.variant, 7);
    int have = variant_number(image.variant, 7);
    if (have > want || have < 5) return std::nullopt;
    return want - have;
  }
  if (arch == "amd64") {
    if (image.architecture == "amd64") {
      int want = variant_number(host.variant, 1);
      int have = variant_number(image.variant, 1);
      if (have > want) return std::nullopt;
      return want - have;
    }
    if (image.architecture == "386") return 10;
    return std::nullopt;
  }
  if (image.architecture != arch) return std::nullopt;
  return image.variant == host.variant ? 0 : 1;
}

}  // namespace mk::runtime::image
