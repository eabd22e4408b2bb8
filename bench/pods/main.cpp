// pods_bench: pod start latency, memory and idle CPU of a single-node minikube cluster
// (`minikube server` with its in-process agent) beside podman (`podman kube play` with runc),
// printed as a Markdown table. See options.cpp for the command line.

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cgroup_cleanup.h"
#include "common/log.h"
#include "interrupt.h"
#include "machine_info.h"
#include "minikube_runs.h"
#include "options.h"
#include "podman_runs.h"
#include "report.h"
#include "temp_dir.h"
#include "test_image.h"

namespace mk::podbench {
namespace {

double load_average() {
  double load[1];
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

int run(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::cerr << "pods_bench: " << options.error().message << "\n" << kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  if (::geteuid() != 0) {
    std::cout << "pods_bench: skipped: running pods needs root (mounts, namespaces, cgroups)\n";
    return 0;
  }
  if (options->debug) log::set_level(log::Level::debug);
  bench::install_interrupt_handler();
  Plan plan = make_plan(*options);

  RunContext context;
  context.minikube = options->minikube;
  context.quick = options->quick;
  context.load_at_start = load_average();
  bench::MachineInfo machine = bench::machine_info(options->dir);
  context.cores = machine.cores;
  context.fs_type = machine.fs_type;
  context.cgroup_mode = bench::cgroup_mode();
  struct utsname u {};
  if (::uname(&u) == 0) context.kernel = std::string(u.release) + " " + u.machine;

  MinikubeResults minikube;
  PodmanResults podman;
  {
    // Removed with everything in it when this scope ends, on failure too; each side stops its
    // processes and removes its pods, cgroups and mounts before that.
    auto work = bench::TempDir::create(options->dir, "pods-bench-");
    if (!work) {
      std::cerr << "pods_bench: " << work.error().message << "\n";
      return 1;
    }
    MK_LOG(info) << "bench: building the test image";
    auto image = build_test_image(work->path());
    if (!image) {
      std::cerr << "pods_bench: test image: " << image.error().message << "\n";
      return 1;
    }
    minikube = run_minikube_side(*options, plan, work->path(), *image);
    if (!bench::interrupted()) podman = run_podman_side(*options, plan, work->path(), *image);
  }
  if (bench::interrupted()) {
    std::cerr << "pods_bench: interrupted\n";
    return 130;
  }
  context.load_at_end = load_average();

  bool any_error = false;
  std::string text = render_report(context, minikube, podman, any_error);
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
}  // namespace mk::podbench

int main(int argc, char** argv) { return mk::podbench::run(argc, argv); }
