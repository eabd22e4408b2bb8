#include "server/apiserver/strategies/image_reference.h"

#include <regex>

namespace mk::apiserver {
namespace {

// The grammar of github.com/distribution/reference, written out once.
const std::regex& reference_regex() {
  static const std::regex re = [] {
    const std::string path_component = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    const std::string domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    const std::string host = "(?:" + domain_component + "(?:\\." + domain_component + ")*|\\[[a-fA-F0-9:]+\\])";
    const std::string domain = host + "(?::[0-9]+)?";
    const std::string name = "(?:" + domain + "/)?" + path_component + "(?:/" + path_component + ")*";
    const std::string tag = "[\\w][\\w.-]{0,127}";
    const std::string digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    return std::regex("^(" + name + ")(?::(" + tag + "))?(?:@(" + digest + "))?$");
  }();
  return re;
}

}  // namespace

std::optional<ImageReference> parse_image_reference(std::string_view image) {
  // No valid reference is this long (name 255, tag 128, digest); the bound also keeps the
  // backtracking matcher's recursion shallow.
  if (image.size() > 1024) return std::nullopt;
  std::string text(image);
  std::smatch m;
  if (!std::regex_match(text, m, reference_regex())) return std::nullopt;
  ImageReference ref{m[1].str(), m[2].str(), m[3].str()};
  if (ref.name.size() > 255) return std::nullopt;
  // A bare 64-digit hex string is an image ID, which references may not be.
  static const std::regex image_id("^[a-f0-9]{64}$");
  if (std::regex_match(ref.name, image_id)) return std::nullopt;
  // sha256 digests have exactly 64 hex digits.
  if (ref.digest.rfind("sha256:", 0) == 0 && ref.digest.size() != 7 + 64) return std::nullopt;
  return ref;
}

std::string default_pull_policy(std::string_view image) {
  auto ref = parse_image_reference(image);
  if (!ref) return "IfNotPresent";
  bool latest = ref->tag == "latest" || (ref->tag.empty() && ref->digest.empty());
  return latest ? "Always" : "IfNotPresent";
}

}  // namespace mk::apiserver
