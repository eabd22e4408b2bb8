#include "cli/app.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "agent/config.h"
#include "cli/agent_command.h"
#include "cli/dry_run.h"
#include "cli/image_command.h"
#include "cli/option_table.h"
#ifdef MK_HAVE_RUNTIME
#include "cli/runtime_command.h"
#endif
#include "cli/server_command.h"
#include "cli/settings.h"
#include "common/log.h"
#include "server/config.h"
#include "server/server.h"
#include "version.h"

namespace mk::cli {
namespace {

constexpr int kUsageError = 2;

const char* const kSettingsFooter =
    "Every flag can also be set by the environment variable shown, or as a key in the config file\n"
    "(the flag's long name: `data-dir: /srv/minikube`, `tls-san: [a.example, 192.0.2.1]`,\n"
    "`debug: true`). When a setting comes from several places the flag wins, then the\n"
    "environment, then the config file.";

// CLI11's stock layout puts two blank lines between option groups; one reads better.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override {
    return CLI::Formatter::make_usage(app, std::move(name)) + "\n";
  }
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> opts) const override {
    std::string out = group + ":\n";
    for (const CLI::Option* opt : opts) out += make_option(opt, is_positional);
    return out;
  }
};

// Where CLI11 writes a flag's value; one per option, kept at a stable address.
struct Binding {
  std::string text;
  std::vector<std::string> list;
  CLI::Option* option = nullptr;
};

struct CommandLine {
  CLI::App* app = nullptr;
  Command command = kServer;
  std::string name;
  std::map<std::string, Binding> bindings;
  bool dry_run = false;
};

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

std::string describe(const OptionSpec& spec) {
  std::string def = spec.default_text.empty() ? join(spec.default_value, ",") : spec.default_text;
  std::string text = spec.help + "\n";
  // A boolean flag is off unless given; saying so adds nothing.
  if (!def.empty() && def != "false") text += "[default: " + def + "] ";
  return text + "[env: " + spec.env + "]";
}

void add_settings(CommandLine& cl) {
  for (const OptionSpec& spec : option_table()) {
    if ((spec.commands & cl.command) == 0) continue;
    Binding& b = cl.bindings[spec.name];
    std::string names = "--" + spec.name;
    if (!spec.alias.empty()) names += ",--" + spec.alias;
    if (!spec.short_name.empty()) names = "-" + spec.short_name + "," + names;
    switch (spec.kind) {
      case ValueKind::boolean:
        // A string target, so --debug=maybe reaches the same check as MINIKUBE_DEBUG=maybe.
        b.option = cl.app->add_flag(names, b.text, describe(spec));
        break;
      case ValueKind::list:
        b.option = cl.app->add_option(names, b.list, describe(spec))->delimiter(',')->allow_extra_args(false);
        break;
      case ValueKind::text:
        b.option = cl.app->add_option(names, b.text, describe(spec))
                       ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        break;
    }
    if (!spec.value_name.empty()) b.option->type_name(spec.value_name);
    b.option->group(spec.group);
  }
}

void add_command(CLI::App& root, CommandLine& cl, Command command, const std::string& name,
                 const std::string& description) {
  cl.command = command;
  cl.name = name;
  cl.app = root.add_subcommand(name, description);
  cl.app->allow_extras();
  auto formatter = std::make_shared<HelpFormatter>();
  formatter->column_width(36);
  cl.app->formatter(formatter);
  cl.app->footer(kSettingsFooter);
  cl.app->add_flag("--dry-run", cl.dry_run, "Print the effective configuration and exit")->group("General");
  cl.app->get_help_ptr()->group("General");
  add_settings(cl);
}

FlagValues given_flags(const CommandLine& cl) {
  FlagValues out;
  for (const auto& [name, b] : cl.bindings) {
    if (b.option->count() == 0) continue;
    switch (find_option(name)->kind) {
      case ValueKind::list: out[name] = b.list; break;
      case ValueKind::boolean:
      case ValueKind::text: out[name] = {b.text}; break;
    }
  }
  return out;
}

// Everything the user must fix is reported as exactly one line.
int usage_error(std::string message) {
  for (auto& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "minikube: " << message << "\n";
  return kUsageError;
}

std::string hint(const std::string& command) {
  return " (see 'minikube " + (command.empty() ? "" : command + " ") + "--help')";
}

// Arguments CLI11 did not recognise, as one message, or empty when there were none.
std::string unrecognised(const CLI::App& app, const std::string& command) {
  std::vector<std::string> extra = app.remaining();
  if (extra.empty()) return "";
  std::string first = extra.front();
  if (first.starts_with("-")) return "unknown flag " + first.substr(0, first.find('=')) + hint(command);
  if (command.empty()) return "unknown command \"" + first + "\"" + hint(command);
  return "unexpected argument \"" + first + "\"" + hint(command);
}

void print_version(std::ostream& out) {
  out << "minikube version " << kVersion << "\n"
      << "kubernetes version " << kKubernetesVersion << "\n";
}

int run_server(const Settings& settings, bool dry_run) {
  auto config = to_server_config(settings);
  if (!config) return usage_error(config.error().message);
  if (dry_run) {
    std::cout << effective_config_yaml(settings, "server");
    return 0;
  }
  MK_LOG(info) << "minikube " << kVersion << " server starting (kubernetes " << kKubernetesVersion
               << ", data dir " << config->data_dir << ", config file "
               << (settings.config_file().empty() ? "none" : settings.config_file()) << ")";
  // The server's own node, as k3s runs it: an agent in the same process joining over loopback
  // HTTPS like any other.
  // Started on a thread of its own so that a slow join (a loaded machine, image imports, pod
  // recovery) never delays the server's answer to SIGTERM; stopping waits for the start.
  std::unique_ptr<agent::Agent> local_agent;
  std::thread agent_starter;
  if (!config->disable_agent) {
    config->on_ready = [&](const std::string& url, const std::string& token) {
      agent::AgentConfig ac;
      ac.data_dir = config->data_dir;
      ac.node_name = config->node_name;
      ac.join_url = url;
      ac.token = token;
      ac.control_plane = true;
      ac.disable_kube_proxy = config->disable_kube_proxy;
      ac.disable_network_policy = config->disable_network_policy;
      ac.disable_cluster_dns = config->disable_cluster_dns;
      ac.kubelet_port = std::stoi(settings.text("kubelet-port"));
      ac.node_ip = settings.text("node-ip");
      ac.flannel_backend = config->flannel_backend;
      ac.cgroup_root = config->cgroup_root;
      agent_starter = std::thread([&local_agent, ac] {
        auto started = agent::Agent::start(ac);
        if (!started) MK_LOG(error) << "server: the local agent did not start: " << started.error().message;
        else local_agent = std::move(*started);
      });
    };
    config->on_stopping = [&] {
      if (agent_starter.joinable()) agent_starter.join();
      local_agent.reset();
    };
  }
  int code = server::run(config.value());
  if (agent_starter.joinable()) agent_starter.join();
  return code;
}

int run_agent(const Settings& settings, bool dry_run) {
  agent::AgentConfig config = to_agent_config(settings);
  if (dry_run) {
    std::cout << effective_config_yaml(settings, "agent");
    return 0;
  }
  if (auto ok = agent::check_config(config); !ok) return usage_error(ok.error().message);
  MK_LOG(info) << "minikube " << kVersion << " agent starting (data dir " << config.data_dir << ")";
  return agent::run(config);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app("minikube: a small Kubernetes distribution in one executable", "minikube");
  app.allow_extras();
  app.require_subcommand(0, 1);
  app.footer("Run 'minikube COMMAND --help' for a command's flags.");
  app.get_formatter()->column_width(14);
  bool version_flag = false;
  app.add_flag("--version", version_flag, "Print the version and exit");

  CommandLine server_cl, agent_cl;
  add_command(app, server_cl, kServer, "server",
              "Run the control plane (API server, scheduler, controllers, datastore)");
  add_command(app, agent_cl, kAgent, "agent", "Run the node components and join a server");
#ifdef MK_HAVE_RUNTIME
  RuntimeCommand runtime_command;
  runtime_command.add_to(app);
#endif
  ImageCommand image_command;
  image_command.add_to(app);
  CLI::App* version = app.add_subcommand("version", "Print the version of minikube and of Kubernetes");
  version->allow_extras();

  CommandLine* selected = nullptr;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ArgumentMismatch& e) {
    // CLI11 says "--data-dir: 1 required DIR missing"; the flag name is what matters.
    std::string message = e.what();
    std::string command = server_cl.app->parsed() ? "server" : agent_cl.app->parsed() ? "agent" : "";
    size_t colon = message.find(':');
    if (message.ends_with("missing") && colon != std::string::npos) {
      message = message.substr(0, colon) + ": a value is required";
    }
    return usage_error(message + hint(command));
  } catch (const CLI::ParseError& e) {
    std::string command = server_cl.app->parsed() ? "server" : agent_cl.app->parsed() ? "agent" : "";
    return usage_error(e.what() + hint(command));
  }
  if (server_cl.app->parsed()) selected = &server_cl;
  if (agent_cl.app->parsed()) selected = &agent_cl;
  if (image_command.parsed()) return image_command.run();
#ifdef MK_HAVE_RUNTIME
  if (runtime_command.parsed()) return runtime_command.run();
#endif

  std::string extra = unrecognised(app, "");
  if (extra.empty() && selected) extra = unrecognised(*selected->app, selected->name);
  if (extra.empty() && version->parsed()) extra = unrecognised(*version, "version");
  if (!extra.empty()) return usage_error(extra);

  if (version->parsed() || version_flag) {
    print_version(std::cout);
    return 0;
  }
  if (!selected) return usage_error("a command is required: server, agent or version" + hint(""));

  auto settings = resolve(selected->command, given_flags(*selected), process_env());
  if (!settings) return usage_error(settings.error().message);
  if (settings->boolean("debug")) log::set_level(log::Level::debug);
  return selected->command == kServer ? run_server(settings.value(), selected->dry_run)
                                      : run_agent(settings.value(), selected->dry_run);
}

}  // namespace mk::cli
