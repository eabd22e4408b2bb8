#pragma once
// Running a program to completion, timed from just before fork() to its reaping. Its stdout and
// stderr go to a log file that is read back afterwards, so no pipe draining skews the timing.
// A program still running at the timeout is killed by its PID.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::bench {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  int64_t elapsed_ns = 0;
  std::string output;  // stdout and stderr, up to 64 KiB
};

// argv[0] is an absolute path. The log file is truncated first.
Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::string& log_path,
                                  std::chrono::milliseconds timeout);

// As run_command, but a non-zero exit is an error carrying the program's output.
Result<CommandResult> run_checked(const std::vector<std::string>& argv, const std::string& log_path,
                                  std::chrono::milliseconds timeout);

// The last non-empty line of a program's output, for messages.
std::string last_line(const std::string& output);

}  // namespace mk::bench
