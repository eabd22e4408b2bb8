#pragma once
// Timestamps as Kubernetes writes them: metav1.Time is RFC 3339 in UTC with whole seconds
// ("2026-11-24T03:40:01Z"), metav1.MicroTime has exactly six fractional digits
// ("2026-11-24T03:40:01.123456Z"; events.k8s.io eventTime, Lease renewTime).

#include <chrono>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::api {

using TimePoint = std::chrono::system_clock::time_point;

// Whole seconds, truncated (as upstream does when it serializes).
std::string format_time(TimePoint t);
// Microseconds, truncated, always six digits.
std::string format_micro_time(TimePoint t);

// Any RFC 3339 date-time: "Z" or a numeric offset, with or without a fraction (kept to the
// clock's precision). Both forms above parse. Errors are Errc::invalid_argument.
Result<TimePoint> parse_time(std::string_view text);

}  // namespace mk::api
