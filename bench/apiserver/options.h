#pragma once
// Command line of apiserver_bench and the sizes of each measurement that follow from it.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::apibench {

struct Options {
  bool quick = false;  // shorter runs, for a smoke check
  bool help = false;
  bool debug = false;
  std::string out;       // also write the table here
  std::string dir;       // parent of the temporary directories (default: the system temp dir)
  std::string minikube;  // the binary under test
};

struct Plan {
  // Creates and gets: each client is one thread with one keep-alive HTTPS connection.
  std::vector<size_t> client_counts = {1, 16};
  std::chrono::milliseconds load_duration{3000};
  size_t max_ops_per_client = 200'000;  // a bound in count as well as time
  size_t payload_bytes = 1000;          // data of each ConfigMap: ~1 KiB objects
  size_t get_names = 1000;              // gets cycle over this many existing ConfigMaps
  // Watch fan-out.
  size_t watchers = 1000;
  size_t watch_events = 100;
  size_t watch_threads = 4;  // client threads reading the streams with epoll
  std::chrono::milliseconds event_deadline{2000};  // per create, for every watcher to have it
  std::chrono::seconds watch_budget{60};            // per run; stops early past it
  // Memory.
  std::chrono::milliseconds settle{2000};  // after ready, before the idle reading
  size_t held_configmaps = 10'000;
  size_t fill_clients = 16;
  // Start-up.
  size_t restarts = 5;
  std::chrono::seconds ready_deadline{30};
};

extern const char* const kUsage;

Result<Options> parse_options(int argc, char** argv);
Plan make_plan(const Options& options);

}  // namespace mk::apibench
