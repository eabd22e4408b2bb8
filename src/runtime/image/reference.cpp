#include "runtime/image/reference.h"

#include <regex>

#include "runtime/image/digest.h"

namespace mk::runtime::image {
namespace {

const std::regex& path_pattern() {
  static const std::regex re("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
  return re;
}
const std::regex& tag_pattern() {
  static const std::regex re("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
  return re;
}
const std::regex& host_pattern() {
  static const std::regex re("([a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)*|\\[[0-9a-fA-F:]+\\])(:[0-9]+)?");
  return re;
}

}  // namespace

std::string Reference::name() const {
  if (!tag.empty()) return repo_name() + ":" + tag;
  return repo_name() + "@" + digest;
}

Result<Reference> parse_reference(std::string_view text_in) {
  std::string text(text_in);
  auto bad = [&](const std::string& why) {
    return make_error(Errc::invalid_argument, "image reference \"" + text + "\": " + why);
  };
  if (text.empty()) return bad("empty");
  Reference ref;
  if (size_t at = text.find('@'); at != std::string::npos) {
    ref.digest = text.substr(at + 1);
    text.resize(at);
    if (!is_sha256_digest(ref.digest)) return bad("not a sha256 digest");
  }
  size_t slash = text.find('/');
  std::string remainder = text;
  if (slash != std::string::npos) {
    std::string first = text.substr(0, slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
      ref.registry = first;
      remainder = text.substr(slash + 1);
      if (!std::regex_match(ref.registry, host_pattern())) return bad("invalid registry host");
    }
  }
  if (ref.registry.empty()) ref.registry = "docker.io";
  if (ref.registry == "index.docker.io") ref.registry = "docker.io";
  size_t colon = remainder.rfind(':');
  if (colon != std::string::npos && remainder.find('/', colon) == std::string::npos) {
    ref.tag = remainder.substr(colon + 1);
    remainder.resize(colon);
    if (!std::regex_match(ref.tag, tag_pattern())) return bad("invalid tag");
  }
  if (!std::regex_match(remainder, path_pattern())) return bad("invalid repository name");
  if (ref.registry == "docker.io" && remainder.find('/') == std::string::npos) remainder = "library/" + remainder;
  ref.repository = remainder;
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace mk::runtime::image
