#include "common/error.h"

#include <cstring>

namespace mk {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::already_exists: return "already exists";
    case Errc::conflict: return "conflict";
    case Errc::compacted: return "compacted";
    case Errc::future_revision: return "future revision";
    case Errc::cancelled: return "cancelled";
    case Errc::unavailable: return "unavailable";
    case Errc::too_large: return "too large";
    case Errc::permission_denied: return "permission denied";
    case Errc::unsupported: return "unsupported";
    case Errc::corrupt: return "corrupt";
    case Errc::io: return "i/o error";
    case Errc::internal: return "internal error";
  }
  return "unknown";
}

Error Error::wrap(std::string_view context) const {
  std::string m(context);
  m += ": ";
  m += message;
  return Error{code, std::move(m)};
}

Error errno_error(std::string_view what, int err) {
  std::string m(what);
  m += ": ";
  m += std::strerror(err);
  Errc code = Errc::io;
  if (err == ENOENT) code = Errc::not_found;
  if (err == EACCES || err == EPERM) code = Errc::permission_denied;
  if (err == EEXIST) code = Errc::already_exists;
  if (err == EINVAL) code = Errc::invalid_argument;
  return Error{code, std::move(m)};
}

}  // namespace mk
