#include "api/timestamp.h"

#include <cstdio>
#include <optional>

namespace mk::api {
namespace {

using std::chrono::duration_cast;
using std::chrono::floor;

// "YYYY-MM-DDTHH:MM:SS" in UTC for the whole second containing t, plus that second.
std::string format_seconds(std::chrono::sys_seconds seconds) {
  auto days = floor<std::chrono::days>(seconds);
  std::chrono::year_month_day date(days);
  std::chrono::hh_mm_ss<std::chrono::seconds> time(seconds - days);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

Error parse_error(std::string_view text, std::string_view why) {
  return make_error(Errc::invalid_argument,
                    "parsing time \"" + std::string(text) + "\" as \"2006-01-02T15:04:05Z07:00\": " +
                        std::string(why));
}

// Reads exactly `width` digits at text[pos].
std::optional<int> read_number(std::string_view text, size_t& pos, size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, size_t& pos, std::string_view choices) {
  if (pos >= text.size() || choices.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

}  // namespace

std::string format_time(TimePoint t) {
  return format_seconds(floor<std::chrono::seconds>(t)) + "Z";
}

std::string format_micro_time(TimePoint t) {
  auto seconds = floor<std::chrono::seconds>(t);
  auto micros = duration_cast<std::chrono::microseconds>(floor<std::chrono::microseconds>(t) - seconds);
  char fraction[24];
  std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros.count()));
  return format_seconds(seconds) + fraction + "Z";
}

Result<TimePoint> parse_time(std::string_view text) {
  size_t pos = 0;
  auto year = read_number(text, pos, 4);
  bool ok = year.has_value() && expect(text, pos, "-");
  auto month = ok ? read_number(text, pos, 2) : std::nullopt;
  ok = month.has_value() && expect(text, pos, "-");
  auto day = ok ? read_number(text, pos, 2) : std::nullopt;
  ok = day.has_value() && expect(text, pos, "Tt");
  auto hour = ok ? read_number(text, pos, 2) : std::nullopt;
  ok = hour.has_value() && expect(text, pos, ":");
  auto minute = ok ? read_number(text, pos, 2) : std::nullopt;
  ok = minute.has_value() && expect(text, pos, ":");
  auto second = ok ? read_number(text, pos, 2) : std::nullopt;
  if (!second) return parse_error(text, "not an RFC 3339 date and time");

  std::chrono::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t nanos = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Digits past nanoseconds are dropped, as Go drops them.
      if (pos - start < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return parse_error(text, "missing fractional digits");
    for (size_t digits = pos - start; digits < 9; ++digits) nanos *= 10;
    fraction = std::chrono::nanoseconds(nanos);
  }

  std::chrono::minutes offset{0};
  if (expect(text, pos, "Zz")) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int direction = text[pos] == '-' ? -1 : 1;
    ++pos;
    auto offset_hours = read_number(text, pos, 2);
    bool colon = offset_hours.has_value() && expect(text, pos, ":");
    auto offset_minutes = colon ? read_number(text, pos, 2) : std::nullopt;
    if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
      return parse_error(text, "bad time zone offset");
    }
    offset = std::chrono::minutes(direction * (*offset_hours * 60 + *offset_minutes));
  } else {
    return parse_error(text, "missing time zone");
  }
  if (pos != text.size()) return parse_error(text, "extra text after the time zone");

  std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                   std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return parse_error(text, "day out of range");
  if (*hour > 23 || *minute > 59 || *second > 59) return parse_error(text, "time out of range");

  auto local = std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
               std::chrono::seconds(*second);
  // A local time with offset +01:00 is one hour ahead of UTC.
  auto utc = local - offset;
  return std::chrono::time_point_cast<TimePoint::duration>(utc + fraction);
}

}  // namespace mk::api
