#pragma once
// Effective settings of one command, resolved from its sources in order of precedence:
// command-line flag > environment variable > config file > default. Every value remembers
// where it came from, so errors and --dry-run can say so.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/option_table.h"
#include "common/error.h"

namespace mk::cli {

enum class Source { preset, config_file, env, flag };

struct Setting {
  std::vector<std::string> values;  // exactly one for text and boolean settings
  Source source = Source::preset;
  std::string origin;  // "--data-dir", "MINIKUBE_DATA_DIR", "/etc/minikube/config.yaml:3: data-dir"
};

class Settings {
 public:
  explicit Settings(Command command) : command_(command) {}

  Command command() const { return command_; }
  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
  // The name must be one of the command's settings.
  const Setting& at(std::string_view name) const;
  const std::string& text(std::string_view name) const;  // "" when unset
  bool boolean(std::string_view name) const;
  const std::vector<std::string>& list(std::string_view name) const;
  void set(const std::string& name, Setting setting) { values_[name] = std::move(setting); }

  // The config file that was read, or empty when there was none.
  const std::string& config_file() const { return config_file_; }
  void set_config_file(std::string path) { config_file_ = std::move(path); }

 private:
  Command command_;
  std::map<std::string, Setting, std::less<>> values_;
  std::string config_file_;
};

// Values given on the command line, by option name (long name without dashes).
using FlagValues = std::map<std::string, std::vector<std::string>, std::less<>>;
// Returns a variable's value; unset and empty variables both give nullopt.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

EnvLookup process_env();

// Locates and reads the config file, then resolves and checks every setting of the command.
// Errors (Errc::invalid_argument, or the file's read error) name the offending source.
Result<Settings> resolve(Command command, const FlagValues& flags, const EnvLookup& env);

}  // namespace mk::cli
