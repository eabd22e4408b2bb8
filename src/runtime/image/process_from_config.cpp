#include "runtime/image/process_from_config.h"

#include <nlohmann/json.hpp>

namespace mk::runtime::image {
namespace {

Result<std::vector<std::string>> string_list(const nlohmann::json& config, const char* key) {
  std::vector<std::string> out;
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return out;
  if (!it->is_array()) return make_error(Errc::invalid_argument, std::string("image config ") + key + ": not a list");
  for (const auto& v : *it) {
    if (!v.is_string()) return make_error(Errc::invalid_argument, std::string("image config ") + key + ": not a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string string_field(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<ProcessSpec> process_from_config(std::string_view image_config, const ContainerFields& c) {
  nlohmann::json doc = image_config.empty() ? nlohmann::json::object() : nlohmann::json::parse(image_config, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error(Errc::invalid_argument, "image config: not a JSON object");
  // The whole config document has the runtime settings under "config"; accept either.
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* config = &doc;
  if (auto it = doc.find("config"); it != doc.end()) config = it->is_object() ? &*it : &empty;
  if (doc.contains("rootfs") && !doc.contains("config")) config = &empty;

  auto entrypoint = string_list(*config, "Entrypoint");
  if (!entrypoint) return entrypoint.error();
  auto cmd = string_list(*config, "Cmd");
  if (!cmd) return cmd.error();
  auto image_env = string_list(*config, "Env");
  if (!image_env) return image_env.error();
  // Docker's convention: an Entrypoint of [""] means none.
  if (entrypoint->size() == 1 && entrypoint->front().empty()) entrypoint->clear();

  ProcessSpec p;
  if (!c.command.empty()) {
    p.argv = c.command;
    p.argv.insert(p.argv.end(), c.args.begin(), c.args.end());
  } else {
    p.argv = *entrypoint;
    const auto& tail = c.args.empty() ? *cmd : c.args;
    p.argv.insert(p.argv.end(), tail.begin(), tail.end());
  }
  if (p.argv.empty()) return make_error(Errc::invalid_argument, "no command specified");

  std::vector<std::pair<std::string, std::string>> env;
  auto set = [&env](const std::string& name, const std::string& value) {
    for (auto& kv : env) {
      if (kv.first == name) {
        kv.second = value;
        return;
      }
    }
    env.emplace_back(name, value);
  };
  for (const std::string& entry : *image_env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) set(entry, "");
    else set(entry.substr(0, eq), entry.substr(eq + 1));
  }
  for (const auto& [name, value] : c.env) set(name, value);
  bool has_path = false;
  for (const auto& kv : env) has_path = has_path || kv.first == "PATH";
  if (!has_path) env.insert(env.begin(), {"PATH", std::string(kDefaultPath)});
  for (const auto& [name, value] : env) p.env.push_back(name + "=" + value);

  p.cwd = !c.working_dir.empty() ? c.working_dir : string_field(*config, "WorkingDir");
  if (p.cwd.empty()) p.cwd = "/";

  std::string image_user = string_field(*config, "User");
  if (c.run_as_user) {
    p.user = std::to_string(*c.run_as_user);
    if (c.run_as_group) p.user += ":" + std::to_string(*c.run_as_group);
  } else if (!image_user.empty()) {
    p.user = image_user;
    // runAsGroup alone replaces the image user's group.
    if (c.run_as_group) p.user = image_user.substr(0, image_user.find(':')) + ":" + std::to_string(*c.run_as_group);
  } else {
    p.user = c.run_as_group ? "0:" + std::to_string(*c.run_as_group) : "0";
  }
  return p;
}

}  // namespace mk::runtime::image
