#pragma once
// --dry-run: the effective configuration of a command as YAML, in the config file's format,
// with each value's source in a comment. Secrets are not printed.

#include <string>

namespace mk::cli {

class Settings;

std::string effective_config_yaml(const Settings& settings, const std::string& command_name);

}  // namespace mk::cli
