#pragma once
// The YAML config file (default /etc/minikube/config.yaml): a map whose keys are long flag
// names, e.g.
//   data-dir: /srv/minikube
//   tls-san: [api.example.org, 192.0.2.10]
//   debug: true
// Keys of settings that belong to another command are accepted and ignored, so one file can
// serve both the server and the agent of a machine.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::cli {

struct ConfigEntry {
  std::vector<std::string> values;  // a list's items, or the one scalar
  int line = 0;                     // 1-based, for messages
};

struct ConfigFile {
  std::string path;
  std::map<std::string, ConfigEntry, std::less<>> entries;
};

// Reads and checks the file. A missing file gives nullopt unless `required`; an unreadable or
// malformed file, or an unknown key, is an error naming the path (and line).
Result<std::optional<ConfigFile>> load_config_file(const std::string& path, bool required);

// Parses YAML text; `path` only names the source in errors.
Result<ConfigFile> parse_config_text(const std::string& text, const std::string& path);

}  // namespace mk::cli
