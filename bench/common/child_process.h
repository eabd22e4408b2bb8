#pragma once
// A process this benchmark started. It is stopped by its PID (SIGTERM, then SIGKILL after a
// grace period) when the object goes away; it also dies with the benchmark (PR_SET_PDEATHSIG).

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::bench {

class ChildProcess {
 public:
  // Starts argv[0] (an absolute path) with stdout and stderr appended to log_path.
  static Result<ChildProcess> spawn(const std::vector<std::string>& argv,
                                    const std::string& log_path);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // True while the process has not exited (reaps it if it has).
  bool running();
  // SIGTERM, wait up to grace, then SIGKILL; always reaps.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}

  pid_t pid_ = -1;
};

}  // namespace mk::bench
