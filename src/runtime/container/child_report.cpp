#include "runtime/container/child_report.h"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace mk::runtime::container {

void report_failure(int fd, const Error& error) noexcept {
  // One write of a short message into an otherwise empty pipe cannot be partial.
  std::string out(1, static_cast<char>(error.code));
  out += error.message.substr(0, 4000);
  ssize_t ignored = ::write(fd, out.data(), out.size());
  (void)ignored;
  ::_exit(1);
}

std::optional<Error> read_failure(int fd) {
  std::string in;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  if (in.empty()) return std::nullopt;
  auto code = static_cast<Errc>(static_cast<unsigned char>(in[0]));
  if (code > Errc::internal) code = Errc::internal;
  return Error{code, in.substr(1)};
}

}  // namespace mk::runtime::container
