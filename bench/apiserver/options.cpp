#include "options.h"

#include <filesystem>
#include <string_view>

namespace mk::apibench {

const char* const kUsage =
    "usage: apiserver_bench [--quick] [--out FILE] [--minikube PATH] [--dir DIR] [--debug]\n"
    "  Starts `minikube server` on a temporary data dir and a free 127.0.0.1 port, measures\n"
    "  creates, gets, watch fan-out, memory and start-up over HTTPS, and prints a Markdown table.\n"
    "  --quick          short runs and fewer watchers, for a smoke check\n"
    "  --out FILE       also write the table to FILE\n"
    "  --minikube PATH  the binary to measure (default: " MINIKUBE_BINARY ")\n"
    "  --dir DIR        where the temporary data directories go (default: system temp dir)\n"
    "  --debug          log what the benchmark does\n";

Result<Options> parse_options(int argc, char** argv) {
  Options options;
  options.minikube = MINIKUBE_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string& into) -> Status {
      if (i + 1 >= argc) {
        return make_error(Errc::invalid_argument, std::string(arg) + " needs a value");
      }
      into = argv[++i];
      return Status::ok();
    };
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--debug") {
      options.debug = true;
    } else if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--out") {
      if (Status s = value(options.out); !s) return s.error();
    } else if (arg == "--dir") {
      if (Status s = value(options.dir); !s) return s.error();
    } else if (arg == "--minikube") {
      if (Status s = value(options.minikube); !s) return s.error();
    } else {
      return make_error(Errc::invalid_argument, "unknown argument " + std::string(arg));
    }
  }
  if (options.dir.empty()) {
    std::error_code ec;
    auto tmp = std::filesystem::temp_directory_path(ec);
    options.dir = ec ? "/tmp" : tmp.string();
  }
  // The child is started with execv, which wants a path, not a name to look up.
  std::error_code ec;
  auto absolute = std::filesystem::absolute(options.minikube, ec);
  if (!ec) options.minikube = absolute.string();
  return options;
}

Plan make_plan(const Options& options) {
  Plan plan;
  if (options.quick) {
    plan.load_duration = std::chrono::milliseconds(1000);
    plan.get_names = 200;
    plan.watchers = 200;
    plan.watch_events = 20;
    plan.settle = std::chrono::milliseconds(1000);
    plan.held_configmaps = 2'000;
    plan.restarts = 3;
  }
  return plan;
}

}  // namespace mk::apibench
