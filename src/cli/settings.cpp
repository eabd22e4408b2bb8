#include "cli/settings.h"

#include <cstdlib>

#include "cli/config_file.h"
#include "cli/validate.h"

namespace mk::cli {
namespace {

const std::string kEmpty;
const std::vector<std::string> kEmptyList;

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Where the config file is and whether it must exist: only the default may be missing.
struct ConfigLocation {
  std::string path;
  std::string origin;
  bool required = false;
};

Result<ConfigLocation> locate_config(const FlagValues& flags, const EnvLookup& env) {
  const OptionSpec& spec = *find_option("config");
  ConfigLocation loc{spec.default_value.front(), "--config (default)", false};
  if (auto it = flags.find("config"); it != flags.end() && !it->second.empty()) {
    loc = {it->second.back(), "--config", true};
  } else if (auto value = env(spec.env)) {
    loc = {*value, spec.env, true};
  }
  auto path = check_path(loc.path);
  if (!path) return path.error().wrap(loc.origin);
  loc.path = path.value();
  return loc;
}

Status check_values(const OptionSpec& spec, Setting& setting) {
  if (spec.kind != ValueKind::list && setting.values.size() != 1) {
    return make_error(Errc::invalid_argument, setting.origin + ": expected one value");
  }
  for (auto& value : setting.values) {
    Result<std::string> checked = spec.kind == ValueKind::boolean ? check_bool(value)
                                  : spec.check                    ? spec.check(value)
                                                                  : Result<std::string>(value);
    if (!checked) return checked.error().wrap(setting.origin);
    value = std::move(checked.value());
  }
  return Status::ok();
}

}  // namespace

const Setting& Settings::at(std::string_view name) const {
  static const Setting kUnset;
  auto it = values_.find(name);
  return it == values_.end() ? kUnset : it->second;
}

const std::string& Settings::text(std::string_view name) const {
  const Setting& s = at(name);
  return s.values.empty() ? kEmpty : s.values.front();
}

bool Settings::boolean(std::string_view name) const { return text(name) == "true"; }

const std::vector<std::string>& Settings::list(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? kEmptyList : it->second.values;
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Result<Settings> resolve(Command command, const FlagValues& flags, const EnvLookup& env) {
  auto location = locate_config(flags, env);
  if (!location) return location.error();
  auto file = load_config_file(location->path, location->required);
  if (!file) {
    // Syntax errors already start with the path and line; say where a missing path came from.
    const Error& e = file.error();
    return e.message.starts_with(location->path + ":") ? e : e.wrap(location->origin);
  }

  Settings settings(command);
  if (file.value()) settings.set_config_file(file.value()->path);

  for (const OptionSpec& spec : option_table()) {
    if ((spec.commands & command) == 0) continue;
    Setting setting;
    const ConfigEntry* entry = nullptr;
    if (file.value()) {
      auto it = file.value()->entries.find(spec.name);
      if (it != file.value()->entries.end()) entry = &it->second;
    }
    if (auto it = flags.find(spec.name); it != flags.end()) {
      setting = {it->second, Source::flag, "--" + spec.name};
    } else if (auto value = env(spec.env)) {
      std::vector<std::string> values = spec.kind == ValueKind::list ? split_commas(*value)
                                                                     : std::vector<std::string>{*value};
      setting = {std::move(values), Source::env, spec.env};
    } else if (entry) {
      setting = {entry->values, Source::config_file,
                 file.value()->path + ":" + std::to_string(entry->line) + ": " + spec.name};
    } else if (spec.compute_default) {
      setting = {{spec.compute_default(settings)}, Source::preset,
                 "--" + spec.name + " (default: " + spec.default_text + ")"};
    } else {
      setting = {spec.default_value, Source::preset, "--" + spec.name + " (default)"};
    }
    // An optional setting without a default is simply left out.
    if (setting.source == Source::preset && setting.values.empty() && spec.kind != ValueKind::list) continue;
    if (auto ok = check_values(spec, setting); !ok) return ok.error();
    settings.set(spec.name, std::move(setting));
  }
  return settings;
}

}  // namespace mk::cli
