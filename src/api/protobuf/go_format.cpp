#include "api/protobuf/go_format.h"

#include <cstdio>

namespace mk::api::proto {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kNanosPerSecond = 1000000000;
// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in Unix seconds: the years Go will print.
constexpr int64_t kFirstSecond = -62167219200;
constexpr int64_t kEndSecond = 253402300800;

struct CivilDate {
  int64_t year;
  unsigned month, day;
};

// Days since 1970-01-01 to a proleptic Gregorian date (the well-known era arithmetic: 400-year
// eras of 146097 days, years counted from March so the leap day falls last).
CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// Writes v / 10^prec's fraction before `end`, without trailing zeros and without the point
// when the fraction is zero; returns the new start and leaves the integer part in v.
char* put_fraction(char* end, uint64_t& v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    unsigned digit = v % 10;
    print = print || digit != 0;
    if (print) *--end = static_cast<char>('0' + digit);
    v /= 10;
  }
  if (print) *--end = '.';
  return end;
}

char* put_integer(char* end, uint64_t v) {
  if (v == 0) {
    *--end = '0';
    return end;
  }
  while (v > 0) {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return end;
}

}  // namespace

Result<std::string> format_timestamp(int64_t seconds, int64_t nanos, bool micro) {
  // Carry whole seconds out of the nanoseconds first; both halves stay far from overflow.
  const int64_t carry = floor_div(nanos, kNanosPerSecond);
  nanos -= carry * kNanosPerSecond;
  if ((carry > 0 && seconds > kEndSecond) || (carry < 0 && seconds < kFirstSecond)) {
    return make_error(Errc::invalid_argument, "timestamp year outside 0..9999");
  }
  seconds += carry;
  if (seconds < kFirstSecond || seconds >= kEndSecond) {
    return make_error(Errc::invalid_argument, "timestamp year outside 0..9999");
  }
  const int64_t days = floor_div(seconds, kSecondsPerDay);
  const int64_t of_day = seconds - days * kSecondsPerDay;
  const CivilDate d = civil_from_days(days);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(d.year), d.month,
                        d.day, static_cast<int>(of_day / 3600), static_cast<int>(of_day / 60 % 60),
                        static_cast<int>(of_day % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (micro) {
    std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(nanos / 1000));
    out += buf;
  }
  out += 'Z';
  return out;
}

std::string format_go_duration(int64_t nanoseconds) {
  char buf[32];
  char* const end = buf + sizeof buf;
  char* p = end;
  const bool negative = nanoseconds < 0;
  // Unsigned negation keeps the most negative value representable.
  uint64_t u = negative ? 0 - static_cast<uint64_t>(nanoseconds) : static_cast<uint64_t>(nanoseconds);
  if (u == 0) return "0s";
  if (u < static_cast<uint64_t>(kNanosPerSecond)) {
    // Below a second Go switches to the largest fitting unit: ns, µs or ms.
    *--p = 's';
    int prec = 0;
    if (u < 1000) {
      *--p = 'n';
    } else if (u < 1000000) {
      prec = 3;
      *--p = '\xb5';  // U+00B5 MICRO SIGN in UTF-8, as Go writes it
      *--p = '\xc2';
    } else {
      prec = 6;
      *--p = 'm';
    }
    p = put_fraction(p, u, prec);
    p = put_integer(p, u);
  } else {
    *--p = 's';
    p = put_fraction(p, u, 9);
    p = put_integer(p, u % 60);
    u /= 60;
    if (u > 0) {
      *--p = 'm';
      p = put_integer(p, u % 60);
      u /= 60;
      if (u > 0) {
        *--p = 'h';
        p = put_integer(p, u);
      }
    }
  }
  if (negative) *--p = '-';
  return std::string(p, end);
}

}  // namespace mk::api::proto
