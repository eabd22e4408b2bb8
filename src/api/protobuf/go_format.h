#pragma once
// The JSON text Go's kube-apiserver writes for time values decoded from protobuf, so a body
// sent as protobuf reads the same as one sent as JSON.

#include <cstdint>
#include <string>

#include "common/error.h"

namespace mk::api::proto {

// metav1.Time (whole seconds, "2026-11-24T03:04:05Z") or, with `micro`, metav1.MicroTime (six
// fractional digits). Nanoseconds outside 0..999999999 carry into the seconds as Go's
// time.Unix does. Years outside 0..9999 are Errc::invalid_argument, as Go refuses to write them.
Result<std::string> format_timestamp(int64_t seconds, int64_t nanos, bool micro);

// time.Duration.String(): "1h0m0s", "1m30s", "1.5s", "250ms", "1µs", "0s", "-2h0m0s".
std::string format_go_duration(int64_t nanoseconds);

}  // namespace mk::api::proto
