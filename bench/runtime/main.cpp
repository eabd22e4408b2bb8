// runtime_bench: times container start through our library and CLI beside crun and runc on one
// busybox root, reads a pod shim's memory, times importing and pulling a big image, and prints
// a Markdown table. See options.cpp for the command line.

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "busybox_rootfs.h"
#include "cgroup_cleanup.h"
#include "cli_runs.h"
#include "command.h"
#include "common/log.h"
#include "image_runs.h"
#include "interrupt.h"
#include "library_runs.h"
#include "machine_info.h"
#include "oci_bundle.h"
#include "oci_runtime_runs.h"
#include "options.h"
#include "report.h"
#include "temp_dir.h"

namespace mk::rtbench {
namespace {

double load_average() {
  double load[1];
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

std::string version_of(const std::string& program, const std::string& log_path) {
  if (::access(program.c_str(), X_OK) != 0) return "not installed (" + program + ")";
  auto r = bench::run_command({program, "--version"}, log_path, std::chrono::seconds(10));
  if (!r || r->exit_code != 0) return "unknown";
  return r->output.substr(0, r->output.find('\n'));
}

// crun and runc on the shared bundles, each side only when its program is there.
void run_oci_side(const std::string& program, const std::string& name, const std::string& work, const Plan& plan,
                  Series& to_exit, Series& to_running) {
  if (::access(program.c_str(), X_OK) != 0 || bench::interrupted()) return;
  std::string id_prefix = "mk-rtbench-" + std::to_string(::getpid()) + "-" + name;
  OciRuntimeSide side{program, work, id_prefix};
  MK_LOG(info) << "bench: " << name << " start-to-exit";
  to_exit = time_oci_run_to_exit(side, work + "/bundle-true", plan);
  if (bench::interrupted()) return;
  MK_LOG(info) << "bench: " << name << " start-to-running";
  to_running = time_oci_run_detached(side, work + "/bundle-sleep", "sleep", plan);
}

Results run_all(const Options& options, const Plan& plan, const std::string& work) {
  Results results;
  std::string rootfs = work + "/rootfs";
  if (Status s = bench::make_busybox_rootfs(rootfs); !s) {
    results.lib_true.ran = true;
    results.lib_true.error = s.error();
    return results;
  }
  std::string log = work + "/setup.log";
  Status bundles = write_oci_bundle(options.runc, work + "/bundle-true", rootfs, {"/bin/true"}, log);
  if (bundles) bundles = write_oci_bundle(options.runc, work + "/bundle-sleep", rootfs, {"sleep", "1000"}, log);
  if (!bundles) {
    for (Series* s : {&results.runc_true, &results.crun_true}) {
      s->ran = true;
      s->error = bundles.error();
    }
  }

  MK_LOG(info) << "bench: library start-to-exit";
  results.lib_true = time_library_true(rootfs, true, plan);
  results.lib_true_unconfined = time_library_true(rootfs, false, plan);
  MK_LOG(info) << "bench: library start-to-running";
  results.lib_sleep = time_library_sleep(rootfs, plan);
  if (bundles) {
    run_oci_side(options.crun, "crun", work, plan, results.crun_true, results.crun_sleep);
    run_oci_side(options.runc, "runc", work, plan, results.runc_true, results.runc_sleep);
  }

  CliSide cli{options.minikube, work + "/data", "mk-rtbench-" + std::to_string(::getpid()), rootfs, work};
  if (!bench::interrupted()) {
    MK_LOG(info) << "bench: CLI start-to-exit";
    results.cli_true = time_cli_true(cli, plan);
  }
  if (!bench::interrupted()) {
    MK_LOG(info) << "bench: CLI start-to-running";
    results.cli_sleep = time_cli_sleep(cli, plan);
  }
  if (!bench::interrupted()) {
    MK_LOG(info) << "bench: shim memory";
    results.shim = measure_shim_memory(cli, plan);
  }
  bench::remove_cgroup_tree(cli.cgroup_root);

  if (options.skip_images) {
    results.images_skipped = true;
  } else if (!bench::interrupted()) {
    run_image_measurements(options, plan, work, rootfs, results);
  }
  return results;
}

int run(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::cerr << "runtime_bench: " << options.error().message << "\n" << kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  if (::geteuid() != 0) {
    std::cout << "runtime_bench: skipped: starting containers needs root (mounts, namespaces, cgroups)\n";
    return 0;
  }
  if (options->debug) log::set_level(log::Level::debug);
  bench::install_interrupt_handler();
  Plan plan = make_plan(*options);

  RunContext context;
  context.minikube = options->minikube;
  context.load_at_start = load_average();
  bench::MachineInfo machine = bench::machine_info(options->dir);
  context.cores = machine.cores;
  context.fs_type = machine.fs_type;
  context.cgroup_mode = bench::cgroup_mode();
  struct utsname u {};
  if (::uname(&u) == 0) context.kernel = std::string(u.release) + " " + u.machine;
  context.runs = plan.runs;
  context.budget_seconds = static_cast<long>(plan.budget.count());
  context.image_mib = plan.image_mib;
  context.quick = options->quick;

  Results results;
  {
    // Removed with everything in it when this scope ends, on failure too; every container and
    // pod in it is stopped before that.
    auto work = bench::TempDir::create(options->dir, "runtime-bench-");
    if (!work) {
      std::cerr << "runtime_bench: " << work.error().message << "\n";
      return 1;
    }
    context.runc_version = version_of(options->runc, work->path() + "/version.log");
    context.crun_version = version_of(options->crun, work->path() + "/version.log");
    results = run_all(*options, plan, work->path());
  }
  if (bench::interrupted()) {
    std::cerr << "runtime_bench: interrupted\n";
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
}  // namespace mk::rtbench

int main(int argc, char** argv) { return mk::rtbench::run(argc, argv); }
