// store_bench: measures our SQLite store against etcd 3.4 and prints a Markdown table.
// See bench_options.cpp for the command line.

#include <fstream>
#include <iostream>
#include <memory>

#include "bench_options.h"
#include "common/log.h"
#include "etcd_target.h"
#include "interrupt.h"
#include "machine_info.h"
#include "report_rows.h"
#include "side_runner.h"
#include "sqlite_target.h"

namespace mk::bench {
namespace {

Result<std::unique_ptr<BenchTarget>> open_sqlite_target(const std::string& parent) {
  auto t = SqliteTarget::open(parent);
  if (!t) return t.error();
  return std::unique_ptr<BenchTarget>(std::move(*t));
}

Result<std::unique_ptr<BenchTarget>> open_etcd_target(const std::string& parent) {
  auto t = EtcdTarget::start(parent);
  if (!t) return t.error();
  return std::unique_ptr<BenchTarget>(std::move(*t));
}

bool any_error(const SideResults& side) {
  if (side.setup_error) return true;
  for (const auto& w : side.writes) {
    if (w && !*w) return true;
  }
  for (const auto* s : {&side.watch_one, &side.watch_many}) {
    if (*s && !**s) return true;
  }
  return (side.range && !*side.range) || (side.size && !*side.size);
}

int run(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::cerr << "store_bench: " << options.error().message << "\n" << kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  if (options->debug) log::set_level(log::Level::debug);
  install_interrupt_handler();
  BenchPlan plan = make_plan(*options);
  MachineInfo machine = machine_info(options->dir);

  SideResults ours = run_side("minikube", open_sqlite_target, plan, options->dir);
  std::optional<SideResults> etcd;
  if (!options->skip_etcd && !interrupted()) {
    etcd = run_side("etcd", open_etcd_target, plan, options->dir);
  }
  if (interrupted()) {
    std::cerr << "store_bench: interrupted\n";
    return 130;
  }

  Report report = build_report(plan, machine, options->dir, ours, etcd ? &*etcd : nullptr);
  std::string text = render_markdown(report);
  std::cout << text << std::flush;
  if (!options->out.empty()) {
    std::ofstream out(options->out);
    out << text;
    if (!out) {
      MK_LOG(error) << "bench: write " << options->out << " failed";
      return 1;
    }
  }
  return any_error(ours) || (etcd && any_error(*etcd)) ? 1 : 0;
}

}  // namespace
}  // namespace mk::bench

int main(int argc, char** argv) { return mk::bench::run(argc, argv); }
