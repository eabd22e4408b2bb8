#pragma once
// Runs a program (here: kubectl) to completion with a deadline and captures what it prints.

#include <chrono>
#include <string>
#include <vector>

namespace mk::test {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

// `env` is the whole environment. Output goes through files in `io_dir`, which must exist.
CommandResult run_command(const std::string& program, const std::vector<std::string>& args,
                          const std::vector<std::string>& env, const std::string& io_dir,
                          std::chrono::milliseconds timeout);

}  // namespace mk::test
