#pragma once
// Command line of runtime_bench and the sizes of each measurement that follow from it.

#include <chrono>
#include <cstddef>
#include <string>

#include "common/error.h"

namespace mk::rtbench {

struct Options {
  bool quick = false;  // fewer runs, a smaller image: a smoke check
  bool help = false;
  bool debug = false;
  bool skip_images = false;
  std::string out;       // also write the table here
  std::string dir;       // parent of the temporary directory (default: the system temp dir)
  std::string minikube;  // the binary under test (minikube-shim is found next to it)
  std::string runc = "/usr/sbin/runc";
  std::string crun = "/usr/bin/crun";
};

struct Plan {
  // Each timed series stops at `runs` samples or after `budget`, whichever comes first.
  size_t runs = 20;
  std::chrono::seconds budget{30};
  size_t image_runs = 3;      // imports and pulls of the big image
  size_t image_mib = 50;      // the random-data layer
  std::chrono::seconds command_timeout{120};
};

extern const char* const kUsage;

Result<Options> parse_options(int argc, char** argv);
Plan make_plan(const Options& options);

}  // namespace mk::rtbench
