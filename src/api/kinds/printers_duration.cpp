#include "api/kinds/printers_duration.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace mk::api {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

// The nanosecond clock spans roughly 1677-09-21 to 2262-04-11; these years are safely inside.
constexpr int kFirstYear = 1678;
constexpr int kLastYear = 2261;

}  // namespace

std::string human_duration(std::chrono::nanoseconds d) {
  const int64_t ns = d.count();
  // Integer division truncates toward zero, as Go's int(d.Seconds()) does.
  const int64_t seconds = ns / kSecond;
  // Up to a second of negative drift between machines still reads as "now".
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";

  const int64_t minutes = ns / kMinute;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    if (s == 0) return std::to_string(minutes) + "m";
    return std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";

  const int64_t hours = ns / kHour;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    if (m == 0) return std::to_string(hours) + "h";
    return std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    if (h == 0) return std::to_string(hours / 24) + "d";
    return std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const int64_t dy = (hours / 24) % 365;
    if (dy == 0) return std::to_string(hours / 24 / 365) + "y";
    return std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::optional<TimePoint> read_timestamp(const nlohmann::json* value) {
  if (value == nullptr || !value->is_string()) return std::nullopt;
  const auto& text = value->get_ref<const std::string&>();
  if (text.empty()) return std::nullopt;
  // The year decides whether parse_time can hold the instant without overflowing.
  int year = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    year = year * 10 + (text[i] - '0');
  }
  if (year < kFirstYear || year > kLastYear) {
    // Validate the rest of the text with a year the clock can hold.
    if (!parse_time("2000" + text.substr(4))) return std::nullopt;
    // Go's zero time is what an unset metav1.Time carries.
    if (text == "0001-01-01T00:00:00Z" || text == "0001-01-01T00:00:00+00:00") return std::nullopt;
    return year < kFirstYear ? TimePoint::min() : TimePoint::max();
  }
  auto parsed = parse_time(text);
  if (!parsed) return std::nullopt;
  return *parsed;
}

std::chrono::nanoseconds saturating_difference(TimePoint t, TimePoint since) {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  const int64_t a = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  const int64_t b = duration_cast<nanoseconds>(since.time_since_epoch()).count();
  if (t == TimePoint::max() || since == TimePoint::min()) {
    return nanoseconds(std::numeric_limits<int64_t>::max());
  }
  if (t == TimePoint::min() || since == TimePoint::max()) {
    return nanoseconds(std::numeric_limits<int64_t>::min());
  }
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) {
    return nanoseconds(a > b ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min());
  }
  return nanoseconds(out);
}

std::string time_since(std::optional<TimePoint> t, TimePoint now) {
  if (!t) return "<unknown>";
  return human_duration(saturating_difference(now, *t));
}

}  // namespace mk::api
