#pragma once
// Turning the freshly exec'd shim into a daemon that outlives whoever started it.

#include "common/error.h"

namespace mk::runtime::shim {

// Double fork with setsid() in between: the caller's process and the middle one exit, so the
// shim is re-parented to init (or the nearest subreaper) and has no controlling terminal. Returns
// only in the final process. stdin/stdout go to /dev/null and stderr to `log_path`.
Status daemonize(const char* log_path);

}  // namespace mk::runtime::shim
