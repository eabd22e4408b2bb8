#include "options.h"

#include <filesystem>
#include <string_view>

namespace mk::rtbench {

const char* const kUsage =
    "usage: runtime_bench [--quick] [--skip-images] [--out FILE] [--minikube PATH] [--dir DIR]\n"
    "                     [--runc PATH] [--crun PATH] [--debug]\n"
    "  Times container start (library and CLI) beside crun and runc on one busybox root\n"
    "  filesystem, reads a pod shim's memory, and times importing and pulling a 50 MB image.\n"
    "  Needs root.\n"
    "  --quick          5 runs per series and a 10 MB image, for a smoke check\n"
    "  --skip-images    leave out the image import and pull\n"
    "  --out FILE       also write the table to FILE\n"
    "  --minikube PATH  the binary to measure (default: " MINIKUBE_BINARY ")\n"
    "  --dir DIR        where the temporary directory goes (default: system temp dir)\n"
    "  --runc PATH      (default: /usr/sbin/runc)\n"
    "  --crun PATH      (default: /usr/bin/crun)\n"
    "  --debug          log what the benchmark does\n";

Result<Options> parse_options(int argc, char** argv) {
  Options options;
  options.minikube = MINIKUBE_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string& into) -> Status {
      if (i + 1 >= argc) return make_error(Errc::invalid_argument, std::string(arg) + " needs a value");
      into = argv[++i];
      return Status::ok();
    };
    Status s;
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--skip-images") {
      options.skip_images = true;
    } else if (arg == "--debug") {
      options.debug = true;
    } else if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--out") {
      s = value(options.out);
    } else if (arg == "--dir") {
      s = value(options.dir);
    } else if (arg == "--minikube") {
      s = value(options.minikube);
    } else if (arg == "--runc") {
      s = value(options.runc);
    } else if (arg == "--crun") {
      s = value(options.crun);
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
    plan.runs = 5;
    plan.budget = std::chrono::seconds(10);
    plan.image_runs = 1;
    plan.image_mib = 10;
  }
  return plan;
}

}  // namespace mk::rtbench
