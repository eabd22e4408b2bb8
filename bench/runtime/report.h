#pragma once
// What runtime_bench found, and the Markdown table it prints: our figure, crun's and runc's
// beside it, the target and whether it was met.

#include <optional>
#include <string>

#include "common/error.h"
#include "series.h"
#include "shim_memory.h"

namespace mk::rtbench {

struct Results {
  // Start-to-exit of /bin/true.
  Series lib_true, lib_true_unconfined, cli_true, crun_true, runc_true;
  // Start-to-running of sleep.
  Series lib_sleep, cli_sleep, crun_sleep, runc_sleep;
  std::optional<Result<ShimMemory>> shim;
  // The big image.
  Series image_import, image_pull;
  std::optional<Error> image_error;  // building or serving it failed
  size_t image_bytes = 0;            // of the archive imported
  bool images_skipped = false;
};

struct RunContext {
  std::string minikube, runc_version, crun_version;
  std::string kernel, cgroup_mode, fs_type;
  unsigned cores = 0;
  double load_at_start = -1, load_at_end = -1;
  size_t runs = 0;
  long budget_seconds = 0;
  size_t image_mib = 0;
  bool quick = false;
};

// Sets any_error when a measurement of ours failed (a refusal by crun or runc is not ours).
std::string render_report(const RunContext& context, const Results& results, bool& any_error);

}  // namespace mk::rtbench
