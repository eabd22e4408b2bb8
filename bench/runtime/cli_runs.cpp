#include "cli_runs.h"

#include "command.h"
#include "common/log.h"

namespace mk::rtbench {
namespace {

Series time_cli(const CliSide& side, const Plan& plan, const std::string& prefix, bool detach,
                const std::vector<std::string>& command) {
  size_t n = 0;
  return run_series(plan, plan.runs, [&]() -> Result<int64_t> {
    std::string uid = prefix + std::to_string(n++);
    auto argv = runtime_command(side, "run");
    argv.insert(argv.end(), {"--rootfs", side.rootfs, "--uid", uid, "--grace-period", "0"});
    if (detach) argv.push_back("-d");
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    auto r = bench::run_command(argv, side.work + "/cli-run.log", plan.command_timeout);
    remove_pod(side, uid);
    if (!r) return r.error();
    if (r->exit_code != 0) {
      return make_error(Errc::io, "minikube runtime run: exit " + std::to_string(r->exit_code) + ": " +
                                      bench::last_line(r->output));
    }
    return r->elapsed_ns;
  });
}

}  // namespace

std::vector<std::string> runtime_command(const CliSide& side, const std::string& sub) {
  return {side.minikube, "runtime", sub, "--data-dir", side.data_dir, "--cgroup-root", side.cgroup_root};
}

void remove_pod(const CliSide& side, const std::string& uid) {
  auto argv = runtime_command(side, "rm");
  argv.push_back(uid);
  auto r = bench::run_command(argv, side.work + "/cli-rm.log", std::chrono::seconds(60));
  if (!r || r->exit_code != 0) {
    MK_LOG(warn) << "bench: runtime rm " << uid << ": " << (r ? bench::last_line(r->output) : r.error().message);
  }
}

Series time_cli_true(const CliSide& side, const Plan& plan) {
  return time_cli(side, plan, "bench-true-", false, {"/bin/true"});
}

Series time_cli_sleep(const CliSide& side, const Plan& plan) {
  return time_cli(side, plan, "bench-sleep-", true, {"sleep", "1000"});
}

}  // namespace mk::rtbench
