#include "cli/dry_run.h"

#include <yaml-cpp/yaml.h>

#include "cli/option_table.h"
#include "cli/settings.h"

namespace mk::cli {
namespace {

std::string describe(const Setting& setting) {
  switch (setting.source) {
    case Source::flag: return "from " + setting.origin;
    case Source::env: return "from $" + setting.origin;
    case Source::config_file: return "from config file";
    case Source::preset: return "default";
  }
  return "";
}

}  // namespace

std::string effective_config_yaml(const Settings& settings, const std::string& command_name) {
  std::string out = "# minikube " + command_name +
                    ": effective configuration (flag > environment > config file > default)\n"
                    "# config file: " +
                    (settings.config_file().empty() ? std::string("none") : settings.config_file()) + "\n";
  for (const OptionSpec& spec : option_table()) {
    // --config names the file these keys come from; a config file cannot contain it.
    if (spec.name == "config" || !settings.has(spec.name)) continue;
    const Setting& setting = settings.at(spec.name);
    if (spec.name == "token") {
      out += "# token: set (" + describe(setting) + "), not shown\n";
      continue;
    }
    // One small document per key, so every line can carry its own comment.
    YAML::Emitter line;
    line << YAML::BeginMap << YAML::Key << spec.name << YAML::Value;
    if (spec.kind == ValueKind::list) {
      line << YAML::Flow << setting.values;
    } else if (spec.kind == ValueKind::boolean) {
      line << (setting.values.front() == "true");
    } else {
      line << setting.values.front();
    }
    line << YAML::EndMap;
    out += std::string(line.c_str()) + "  # " + describe(setting) + "\n";
  }
  return out;
}

}  // namespace mk::cli
