#pragma once
// The one description of every configurable setting. The command line, the environment, the
// config file, --help and --dry-run are all driven from this table, so a setting is added in
// one place.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace mk::cli {

class Settings;

// Which commands take a setting (a bit set).
enum Command : unsigned { kServer = 1u << 0, kAgent = 1u << 1 };

enum class ValueKind { text, boolean, list };

struct OptionSpec {
  std::string name;        // long flag without dashes; also the config file key
  std::string short_name;  // one letter, or empty
  std::string alias;       // a second long name, or empty
  std::string env;         // environment variable
  std::string group;       // heading in --help
  std::string value_name;  // placeholder in --help
  std::string help;
  ValueKind kind = ValueKind::text;
  unsigned commands = 0;
  std::vector<std::string> default_value;
  // For defaults that depend on the host or on other settings (read from the partly resolved
  // settings: only options earlier in the table are there). default_text then shows in --help.
  std::function<std::string(const Settings&)> compute_default;
  std::string default_text;
  // Checks one value and returns its normalised form; null: any value.
  Result<std::string> (*check)(const std::string&) = nullptr;
};

// In the order --help and --dry-run show them.
const std::vector<OptionSpec>& option_table();
const OptionSpec* find_option(std::string_view name);

// "sqlite://<data-dir>/server/db/state.db"
std::string default_datastore_endpoint(const std::string& data_dir);

}  // namespace mk::cli
