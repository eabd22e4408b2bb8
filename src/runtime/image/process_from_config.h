#pragma once
// What a container runs, from the image config and the Kubernetes container fields, as
// Kubernetes (kubelet + containerd CRI) decides it:
//   command and args unset -> image Entrypoint + image Cmd
//   command set            -> command + args (image Entrypoint and Cmd both ignored)
//   only args set          -> image Entrypoint + args
// Env: the image's first, the container's overriding by name, PATH added when missing.
// Working dir: the container's, else the image's, else "/". User: the container's (runAsUser /
// runAsGroup), else the image's "User", else root.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace mk::runtime::image {

struct ContainerFields {
  std::vector<std::string> command, args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;
  std::optional<int64_t> run_as_user, run_as_group;
};

struct ProcessSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value", image order, then new names in container order
  std::string cwd;
  std::string user;              // "uid", "uid:gid", "name" or "name:group" (resolved later)
};

inline constexpr std::string_view kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// `image_config` is the whole OCI image config document (with its "config" object) or the
// "config" object alone.
Result<ProcessSpec> process_from_config(std::string_view image_config, const ContainerFields& container);

}  // namespace mk::runtime::image
