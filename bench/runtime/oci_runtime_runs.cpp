#include "oci_runtime_runs.h"

#include <unistd.h>

#include <fstream>
#include <thread>

#include "command.h"

namespace mk::rtbench {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

void delete_container(const OciRuntimeSide& side, const std::string& id) {
  (void)bench::run_command({side.runtime, "delete", "--force", id}, side.work + "/delete.log", std::chrono::seconds(30));
}

Error refused(const OciRuntimeSide& side, const bench::CommandResult& r) {
  return make_error(Errc::io, side.runtime + ": exit " + std::to_string(r.exit_code) + ": " + bench::last_line(r.output));
}

}  // namespace

Series time_oci_run_to_exit(const OciRuntimeSide& side, const std::string& bundle, const Plan& plan) {
  size_t n = 0;
  return run_series(plan, plan.runs, [&]() -> Result<int64_t> {
    std::string id = side.id_prefix + "-" + std::to_string(n++);
    auto r = bench::run_command({side.runtime, "run", "--bundle", bundle, id}, side.work + "/run.log", plan.command_timeout);
    if (!r) return r.error();
    if (r->exit_code != 0) {
      delete_container(side, id);
      return refused(side, *r);
    }
    return r->elapsed_ns;
  });
}

Series time_oci_run_detached(const OciRuntimeSide& side, const std::string& bundle, const std::string& comm,
                             const Plan& plan) {
  size_t n = 0;
  return run_series(plan, plan.runs, [&]() -> Result<int64_t> {
    std::string id = side.id_prefix + "-d" + std::to_string(n++);
    std::string pid_file = side.work + "/" + id + ".pid";
    ::unlink(pid_file.c_str());
    int64_t start = steady_now_ns();
    auto r = bench::run_command({side.runtime, "run", "-d", "--pid-file", pid_file, "--bundle", bundle, id},
                         side.work + "/run-d.log", plan.command_timeout);
    if (!r) return r.error();
    if (r->exit_code != 0) {
      delete_container(side, id);
      return refused(side, *r);
    }
    // The runtime returns once it has told the container to start; the entrypoint is running
    // when the process has exec'd it.
    std::string pid = read_first_line(pid_file);
    std::string comm_path = "/proc/" + pid + "/comm";
    int64_t deadline = start + 10'000'000'000;
    int64_t elapsed = -1;
    while (!pid.empty() && steady_now_ns() < deadline) {
      if (read_first_line(comm_path) == comm) {
        elapsed = steady_now_ns() - start;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    delete_container(side, id);
    if (elapsed < 0) return make_error(Errc::unavailable, id + ": process " + pid + " never ran " + comm);
    return elapsed;
  });
}

}  // namespace mk::rtbench
