#pragma once
// Command line of pods_bench and the sizes of each measurement that follow from it.

#include <chrono>
#include <cstddef>
#include <string>

#include "common/error.h"

namespace mk::podbench {

struct Options {
  bool quick = false;  // fewer pods and a shorter CPU window: a smoke check
  bool help = false;
  bool debug = false;
  bool skip_podman = false;
  long pods = -1;          // minikube pods; -1: the plan's default
  long podman_pods = -1;   // podman pods; -1: the plan's default
  long cpu_seconds = -1;   // CPU window; -1: the plan's default
  std::string out;       // also write the table here
  std::string dir;       // parent of the temporary directory (default: the system temp dir)
  std::string minikube;  // the binary under test (minikube-shim is found next to it)
  std::string podman = "/usr/bin/podman";
  std::string runc = "/usr/sbin/runc";
};

struct Plan {
  size_t pods = 100;
  size_t podman_pods = 100;
  std::chrono::seconds cpu_window{30};
  std::chrono::seconds pod_deadline{60};     // one pod, create to Running
  std::chrono::seconds phase_budget{300};    // all pods of one side; the rest are left out
  std::chrono::seconds ready_deadline{60};   // server start until its agent has joined
  std::chrono::milliseconds settle{2000};    // before each memory reading
  std::chrono::seconds command_timeout{120}; // one podman command
};

extern const char* const kUsage;

Result<Options> parse_options(int argc, char** argv);
Plan make_plan(const Options& options);

}  // namespace mk::podbench
