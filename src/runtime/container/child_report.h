#pragma once
// How a child of clone() reports its first failure: the Error (code and text) written to a
// close-on-exec pipe. A successful execve closes the pipe, so the parent reads EOF and nothing.

#include <optional>

#include "common/error.h"

namespace mk::runtime::container {

// Writes the error to `fd` and exits the process with status 1.
[[noreturn]] void report_failure(int fd, const Error& error) noexcept;

// Reads until EOF; nullopt when the child wrote nothing.
std::optional<Error> read_failure(int fd);

}  // namespace mk::runtime::container
