#include "bench_options.h"

#include <filesystem>
#include <string_view>

namespace mk::bench {

const char* const kUsage =
    "usage: store_bench [--quick] [--skip-etcd] [--out FILE] [--dir DIR] [--debug]\n"
    "  Compares the SQLite store with etcd 3.4 (/usr/bin/etcd, started on loopback ports)\n"
    "  and prints a Markdown table.\n"
    "  --quick      short runs, for a smoke check\n"
    "  --skip-etcd  measure our store only\n"
    "  --out FILE   also write the table to FILE\n"
    "  --dir DIR    where the temporary data directories go (default: system temp dir);\n"
    "               both stores use the same file system there\n";

Result<BenchOptions> parse_options(int argc, char** argv) {
  BenchOptions options;
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
    } else if (arg == "--skip-etcd") {
      options.skip_etcd = true;
    } else if (arg == "--debug") {
      options.debug = true;
    } else if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--out") {
      if (Status s = value(options.out); !s) return s.error();
    } else if (arg == "--dir") {
      if (Status s = value(options.dir); !s) return s.error();
    } else {
      return make_error(Errc::invalid_argument, "unknown argument " + std::string(arg));
    }
  }
  if (options.dir.empty()) {
    std::error_code ec;
    auto tmp = std::filesystem::temp_directory_path(ec);
    options.dir = ec ? "/tmp" : tmp.string();
  }
  return options;
}

BenchPlan make_plan(const BenchOptions& options) {
  BenchPlan plan;
  if (options.quick) {
    plan.write_duration = std::chrono::milliseconds(500);
    plan.range_repeats = 3;
    plan.watch_events_one = 100;
    plan.many_watchers = 100;
    plan.watch_events_many = 20;
    plan.size_puts = 10'000;
  }
  return plan;
}

}  // namespace mk::bench
