#pragma once
// Resource quantities ("100m", "1.5", "2Ki", "1e3"), parsed, compared and printed as
// k8s.io/apimachinery pkg/api/resource does, so that the scheduler, quota and kubectl agree on
// the same numbers and strings.
//
// A quantity is an exact decimal number with one of three formats that decide how it prints:
// decimal SI suffixes (n u m "" k M G T P E), binary SI suffixes (Ki Mi Gi Ti Pi Ei), or a
// decimal exponent (e3). Parsing rounds values finer than 1n up to 1n and caps binary values at
// 2^63-1, as upstream does.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::api {

enum class QuantityFormat { decimal_si, binary_si, decimal_exponent };

class Quantity {
 public:
  // Zero, decimal SI.
  Quantity() = default;

  // Errors are Errc::invalid_argument with upstream's messages; a malformed string gives
  // "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".
  static Result<Quantity> parse(std::string_view text);
  // value × 10^scale: from_scaled(5, -3, ...) is 5m (upstream's NewScaledQuantity).
  static Quantity from_scaled(int64_t value, int32_t scale, QuantityFormat format);
  static Quantity from_value(int64_t value, QuantityFormat format) { return from_scaled(value, 0, format); }
  static Quantity from_milli_value(int64_t milli, QuantityFormat format) { return from_scaled(milli, -3, format); }

  // The value in units of 10^scale, rounded away from zero ("0.1" has value() 1) and saturated
  // at the int64 limits.
  int64_t scaled_value(int32_t scale) const;
  int64_t value() const { return scaled_value(0); }
  int64_t milli_value() const { return scaled_value(-3); }

  QuantityFormat format() const { return format_; }
  bool is_zero() const { return digits_.empty(); }
  int sign() const { return is_zero() ? 0 : (negative_ ? -1 : 1); }

  // Numeric order, whatever the formats.
  std::strong_ordering operator<=>(const Quantity& other) const;
  bool operator==(const Quantity& other) const { return (*this <=> other) == 0; }

  // The canonical form ("1000m" prints "1", "1536Mi" stays "1536Mi", "1.5" prints "1500m");
  // a parsed string that already was canonical is returned as written.
  std::string to_string() const;

 private:
  std::string canonical() const;

  // value = (negative_ ? -1 : 1) × digits_ × 10^exponent_, with digits_ free of leading and
  // trailing zeros and empty for zero.
  bool negative_ = false;
  std::string digits_;
  int64_t exponent_ = 0;
  QuantityFormat format_ = QuantityFormat::decimal_si;
  std::string text_;  // the text it was parsed from, when upstream would print that text back
};

}  // namespace mk::api
