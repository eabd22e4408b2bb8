// RFC 3339 timestamps as metav1.Time and metav1.MicroTime serialize them.

#include <catch2/catch.hpp>

#include "api/timestamp.h"

using namespace std::chrono;
using mk::api::TimePoint;

namespace {

TimePoint at(int y, unsigned m, unsigned d, int hh, int mm, int ss, nanoseconds extra = nanoseconds(0)) {
  auto t = sys_days(year(y) / month(m) / day(d)) + hours(hh) + minutes(mm) + seconds(ss) + extra;
  return time_point_cast<TimePoint::duration>(t);
}

}  // namespace

TEST_CASE("formatting truncates to seconds or microseconds") {
  struct Case {
    TimePoint t;
    std::string time;
    std::string micro;
  };
  const std::vector<Case> cases = {
      {at(2026, 11, 24, 3, 40, 1), "2026-11-24T03:40:01Z", "2026-11-24T03:40:01.000000Z"},
      {at(2026, 11, 24, 3, 40, 1, nanoseconds(123456789)), "2026-11-24T03:40:01Z",
       "2026-11-24T03:40:01.123456Z"},
      {at(2024, 2, 29, 23, 59, 59, nanoseconds(999999999)), "2024-02-29T23:59:59Z",
       "2024-02-29T23:59:59.999999Z"},
      {TimePoint(), "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z"},
      {TimePoint() - microseconds(1), "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.999999Z"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.time);
    CHECK(mk::api::format_time(c.t) == c.time);
    CHECK(mk::api::format_micro_time(c.t) == c.micro);
  }
}

TEST_CASE("parsing accepts RFC 3339 forms") {
  struct Case {
    std::string text;
    TimePoint t;
  };
  const std::vector<Case> cases = {
      {"2026-11-24T03:40:01Z", at(2026, 11, 24, 3, 40, 1)},
      {"2026-11-24T03:40:01.123456Z", at(2026, 11, 24, 3, 40, 1, nanoseconds(123456000))},
      {"2026-11-24T03:40:01.5Z", at(2026, 11, 24, 3, 40, 1, nanoseconds(500000000))},
      {"2026-11-24T03:40:01.1234567891Z", at(2026, 11, 24, 3, 40, 1, nanoseconds(123456789))},
      {"2026-11-24T04:40:01+01:00", at(2026, 11, 24, 3, 40, 1)},
      {"2026-11-23T22:10:01-05:30", at(2026, 11, 24, 3, 40, 1)},
      {"2026-11-24t03:40:01z", at(2026, 11, 24, 3, 40, 1)},
      {"2024-02-29T00:00:00Z", at(2024, 2, 29, 0, 0, 0)},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto t = mk::api::parse_time(c.text);
    REQUIRE(t);
    CHECK(*t == c.t);
  }
}

TEST_CASE("parsing rejects what is not RFC 3339") {
  for (std::string text : {"", "2026-11-24", "2026-11-24 03:40:01Z", "2026-11-24T03:40:01",
                           "2026-11-24T03:40:01Zjunk", "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
                           "2026-13-01T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T03:60:00Z",
                           "2026-11-24T03:40:60Z", "2026-11-24T03:40:01.Z", "2026-11-24T03:40:01+0100",
                           "26-11-24T03:40:01Z"}) {
    CAPTURE(text);
    auto t = mk::api::parse_time(text);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == mk::Errc::invalid_argument);
  }
}

TEST_CASE("format and parse round-trip") {
  auto t = at(2031, 7, 4, 12, 0, 30, nanoseconds(654321000));
  auto micro = mk::api::parse_time(mk::api::format_micro_time(t));
  REQUIRE(micro);
  CHECK(*micro == t);
  auto seconds_only = mk::api::parse_time(mk::api::format_time(t));
  REQUIRE(seconds_only);
  CHECK(*seconds_only == at(2031, 7, 4, 12, 0, 30));
}
