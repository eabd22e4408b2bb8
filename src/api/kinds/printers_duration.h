#pragma once
// Ages as kubectl shows them ("45s", "3m12s", "5h2m", "12d"), computed the way upstream's
// HumanDuration does, and the reading of the timestamps they are measured from. Kept apart from
// the printers so the rounding rules can be tested with plain durations.

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "api/timestamp.h"

namespace mk::api {

// Upstream's HumanDuration: "<invalid>" below -1s, "0s" for the small negative drift between
// clocks, then seconds, minutes, hours, days and years with the precision shrinking as it grows.
std::string human_duration(std::chrono::nanoseconds d);

// A metav1.Time or MicroTime value. nullopt stands for Go's zero time: absent, null, not a
// string, unparseable, or "0001-01-01T00:00:00Z". Times outside what the clock can hold come back
// as TimePoint::min() / max(), so that differences saturate as Go's time.Sub does.
std::optional<TimePoint> read_timestamp(const nlohmann::json* value);

// t - since, saturated at the limits of nanoseconds instead of overflowing.
std::chrono::nanoseconds saturating_difference(TimePoint t, TimePoint since);

// "<unknown>" for the zero time, otherwise the human duration from t to now.
std::string time_since(std::optional<TimePoint> t, TimePoint now);

}  // namespace mk::api
