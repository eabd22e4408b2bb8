// Ages as kubectl prints them: precision shrinks as durations grow.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "api/kinds/printers_duration.h"

using namespace std::chrono;
using mk::api::human_duration;

TEST_CASE("human durations follow upstream's thresholds") {
  struct Case {
    nanoseconds d;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {-seconds(5), "<invalid>"},
      {-seconds(2), "<invalid>"},
      {-milliseconds(1500), "0s"},  // up to a second of clock drift still reads as now
      {-seconds(1), "0s"},
      {-milliseconds(300), "0s"},
      {seconds(0), "0s"},
      {milliseconds(999), "0s"},
      {seconds(1), "1s"},
      {seconds(59), "59s"},
      {seconds(119), "119s"},
      {seconds(120), "2m"},
      {seconds(121), "2m1s"},
      {minutes(5) + seconds(30), "5m30s"},
      {seconds(599), "9m59s"},
      {minutes(10), "10m"},
      {minutes(10) + seconds(59), "10m"},
      {minutes(179) + seconds(59), "179m"},
      {hours(3), "3h"},
      {hours(3) + minutes(1), "3h1m"},
      {hours(7) + minutes(59) + seconds(59), "7h59m"},
      {hours(8), "8h"},
      {hours(47) + minutes(59), "47h"},
      {hours(48), "2d"},
      {hours(49), "2d1h"},
      {hours(191), "7d23h"},
      {hours(192), "8d"},
      {hours(24 * 729), "729d"},
      {hours(24 * 730), "2y"},
      {hours(24 * 731), "2y1d"},
      {hours(24 * (365 * 8 - 1)), "7y364d"},
      {hours(24 * 365 * 8), "8y"},
      {hours(24 * 365 * 10 + 24 * 100), "10y"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.d.count());
    CHECK(human_duration(c.d) == c.expected);
  }
}

TEST_CASE("timestamps: the zero time is unknown, far times saturate") {
  using mk::api::read_timestamp;
  using mk::api::time_since;
  const auto now = system_clock::now();
  struct Case {
    nlohmann::json value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {nullptr, "<unknown>"},
      {"", "<unknown>"},
      {42, "<unknown>"},
      {"yesterday", "<unknown>"},
      {"0001-01-01T00:00:00Z", "<unknown>"},
      {mk::api::format_time(now - minutes(90) - seconds(20)), "90m"},
      {mk::api::format_micro_time(now - seconds(30)), "30s"},
      {mk::api::format_time(now + hours(1)), "<invalid>"},
      // Go's time.Sub saturates at about 292 years.
      {"1500-06-01T00:00:00Z", "292y"},
      {"2500-06-01T00:00:00Z", "<invalid>"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value.dump());
    CHECK(time_since(read_timestamp(&c.value), now) == c.expected);
  }
  CHECK(time_since(std::nullopt, now) == "<unknown>");
  CHECK(time_since(read_timestamp(nullptr), now) == "<unknown>");
}
