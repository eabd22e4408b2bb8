#pragma once
// Container image references ("busybox", "registry:5000/team/app:1.2@sha256:..."), parsed as
// far as the API server needs them: the default imagePullPolicy depends on the tag.

#include <optional>
#include <string>
#include <string_view>

namespace mk::apiserver {

struct ImageReference {
  std::string name;    // "busybox", "registry:5000/team/app"
  std::string tag;     // "" when none was given
  std::string digest;  // "sha256:..." or ""
};

// Parses with the distribution reference grammar (lowercase path components, optional registry
// host and port, tag, digest). nullopt for a reference the kubelet could not pull either.
std::optional<ImageReference> parse_image_reference(std::string_view image);

// SetDefaults_Container's rule: "Always" when the tag is latest, or when neither a tag nor a
// digest is given (the tag then defaults to latest); "IfNotPresent" otherwise, including for
// references that do not parse.
std::string default_pull_policy(std::string_view image);

}  // namespace mk::apiserver
