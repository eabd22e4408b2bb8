#include "options.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace mk::podbench {

const char* const kUsage =
    "usage: pods_bench [--quick] [--pods N] [--podman-pods N] [--cpu-seconds N] [--skip-podman]\n"
    "                  [--out FILE] [--minikube PATH] [--podman PATH] [--runc PATH] [--dir DIR] [--debug]\n"
    "  Starts `minikube server` (with its agent) on a temporary data dir, creates pods one after\n"
    "  another over HTTPS and times each until a watch sees it Running; does the same with\n"
    "  `podman kube play` (runc, temporary storage); reads memory with the pods running and the\n"
    "  CPU the idle pods cost. Needs root. Everything it makes is removed at the end.\n"
    "  --quick          5 pods per side and a 10 s CPU window, for a smoke check\n"
    "  --pods N         minikube pods (default 100)\n"
    "  --podman-pods N  podman pods (default: as many as --pods)\n"
    "  --cpu-seconds N  CPU window with the pods idle (default 30)\n"
    "  --skip-podman    leave out the podman side\n"
    "  --out FILE       also write the table to FILE\n"
    "  --minikube PATH  the binary to measure (default: " MINIKUBE_BINARY ")\n"
    "  --podman PATH    (default: /usr/bin/podman)\n"
    "  --runc PATH      the OCI runtime podman uses (default: /usr/sbin/runc)\n"
    "  --dir DIR        where the temporary directory goes (default: system temp dir)\n"
    "  --debug          log what the benchmark does\n";

namespace {

Status parse_count(std::string_view flag, const std::string& text, long min, long& into) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min || v > 10000) {
    return make_error(Errc::invalid_argument,
                      std::string(flag) + " wants a whole number from " + std::to_string(min) + " to 10000");
  }
  into = v;
  return Status::ok();
}

}  // namespace

Result<Options> parse_options(int argc, char** argv) {
  Options options;
  options.minikube = MINIKUBE_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string text;
    auto value = [&](std::string& into) -> Status {
      if (i + 1 >= argc) return make_error(Errc::invalid_argument, std::string(arg) + " needs a value");
      into = argv[++i];
      return Status::ok();
    };
    Status s;
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--skip-podman") {
      options.skip_podman = true;
    } else if (arg == "--debug") {
      options.debug = true;
    } else if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--pods") {
      s = value(text);
      if (s) s = parse_count(arg, text, 1, options.pods);
    } else if (arg == "--podman-pods") {
      s = value(text);
      if (s) s = parse_count(arg, text, 1, options.podman_pods);
    } else if (arg == "--cpu-seconds") {
      s = value(text);
      if (s) s = parse_count(arg, text, 1, options.cpu_seconds);
    } else if (arg == "--out") {
      s = value(options.out);
    } else if (arg == "--dir") {
      s = value(options.dir);
    } else if (arg == "--minikube") {
      s = value(options.minikube);
    } else if (arg == "--podman") {
      s = value(options.podman);
    } else if (arg == "--runc") {
      s = value(options.runc);
    } else {
      return make_error(Errc::invalid_argument, "unknown argument " + std::string(arg));
    }
    if (!s) return s.error();
  }
  std::error_code ec;
  if (options.dir.empty()) {
    auto tmp = std::filesystem::temp_directory_path(ec);
    options.dir = ec ? "/tmp" : tmp.string();
  }
  // Children are started with execv, which wants a path, not a name to look up.
  auto absolute = std::filesystem::absolute(options.minikube, ec);
  if (!ec) options.minikube = absolute.string();
  return options;
}

Plan make_plan(const Options& options) {
  Plan plan;
  if (options.quick) {
    plan.pods = 5;
    plan.podman_pods = 5;
    plan.cpu_window = std::chrono::seconds(10);
    plan.phase_budget = std::chrono::seconds(60);
    plan.settle = std::chrono::milliseconds(1000);
  }
  if (options.pods > 0) plan.pods = static_cast<size_t>(options.pods);
  if (options.podman_pods > 0) {
    plan.podman_pods = static_cast<size_t>(options.podman_pods);
  } else if (options.pods > 0) {
    plan.podman_pods = plan.pods;
  }
  if (options.cpu_seconds > 0) plan.cpu_window = std::chrono::seconds(options.cpu_seconds);
  return plan;
}

}  // namespace mk::podbench
