// apiserver_bench: starts `minikube server` on temporary data dirs and free loopback ports,
// measures creates, gets, watch fan-out, memory and start-up over HTTPS, and prints a Markdown
// table with the targets and the k3s reference. See options.cpp for the command line.

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "common/log.h"
#include "interrupt.h"
#include "machine_info.h"
#include "options.h"
#include "phases.h"
#include "report.h"
#include "temp_dir.h"

namespace mk::apibench {
namespace {

double load_average() {
  double load[1];
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

int run(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::cerr << "apiserver_bench: " << options.error().message << "\n" << kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  if (options->debug) log::set_level(log::Level::debug);
  bench::install_interrupt_handler();
  // Before any server starts, so the servers inherit the raised limit for their end of the
  // watch connections.
  raise_open_files_limit();
  Plan plan = make_plan(*options);
  RunContext context{*options, plan, bench::machine_info(options->dir), -1, {}};

  BenchResults results;
  {
    // Removed with everything in it when this scope ends, on failure too; the servers in it
    // are stopped before that, inside run_phases.
    auto work = bench::TempDir::create(options->dir, "apiserver-bench-");
    if (!work) {
      std::cerr << "apiserver_bench: " << work.error().message << "\n";
      return 1;
    }
    results = run_phases(*options, plan, work->path());
  }
  if (bench::interrupted()) {
    std::cerr << "apiserver_bench: interrupted\n";
    return 130;
  }
  context.load_at_end = load_average();

  bool any_error = false;
  std::string text = render_report(context, results, any_error);
  std::cout << text << std::flush;
  if (!options->out.empty()) {
    std::ofstream out(options->out);
    out << text;
    if (!out) {
      MK_LOG(error) << "bench: write " << options->out << " failed";
      return 1;
    }
  }
  return any_error ? 1 : 0;
}

}  // namespace
}  // namespace mk::apibench

int main(int argc, char** argv) { return mk::apibench::run(argc, argv); }
