#include "api/quantity.h"

#include <algorithm>
#include <optional>

#include "api/go_strconv.h"

namespace mk::api {
namespace {

constexpr std::string_view kFormatWrong =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kSuffixWrong = "unable to parse quantity's suffix";
constexpr std::string_view kInt64Max = "9223372036854775807";
constexpr uint64_t kInt64MaxU = 9223372036854775807ULL;

Error invalid(std::string_view message) { return make_error(Errc::invalid_argument, std::string(message)); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Pieces {
  bool positive = true;
  std::string_view num;    // integer digits without leading zeros; "0" when there are none
  std::string_view denom;  // fraction digits as written
  std::string_view suffix;
};

// Splits "-1.5Ki" into sign, "1", "5" and "Ki", following upstream's hand-written scanner
// rather than its documented regular expression, because the scanner is what decides: it takes
// "1." and "." (zero), and it rejects anything after the suffix's exponent digits.
std::optional<Pieces> split_quantity(std::string_view s) {
  Pieces p;
  size_t pos = 0;
  const size_t end = s.size();
  if (pos < end && (s[0] == '-' || s[0] == '+')) {
    p.positive = s[0] == '+';
    ++pos;
  }
  while (pos < end && s[pos] == '0') ++pos;
  if (pos >= end) {
    p.num = "0";
    return p;
  }
  size_t start = pos;
  while (pos < end && is_digit(s[pos])) ++pos;
  p.num = s.substr(start, pos - start);
  if (p.num.empty()) p.num = "0";
  if (pos >= end) return p;
  if (s[pos] == '.') {
    start = ++pos;
    while (pos < end && is_digit(s[pos])) ++pos;
    p.denom = s.substr(start, pos - start);
    if (pos >= end) return p;
  }
  size_t suffix_start = pos;
  constexpr std::string_view kSuffixChars = "eEinumkKMGTP";
  while (pos < end && kSuffixChars.find(s[pos]) != std::string_view::npos) ++pos;
  if (pos < end && (s[pos] == '-' || s[pos] == '+')) ++pos;
  while (pos < end && is_digit(s[pos])) ++pos;
  if (pos < end) return std::nullopt;
  p.suffix = s.substr(suffix_start);
  return p;
}

struct Suffix {
  int base;          // 10 or 2
  int32_t exponent;  // of the base
  QuantityFormat format;
};

struct SuffixName {
  std::string_view name;
  int32_t exponent;
};
constexpr SuffixName kDecimalSuffixes[] = {{"n", -9}, {"u", -6}, {"m", -3}, {"", 0},  {"k", 3},
                                           {"M", 6},  {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
constexpr SuffixName kBinarySuffixes[] = {{"", 0},    {"Ki", 10}, {"Mi", 20}, {"Gi", 30},
                                          {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};

std::optional<Suffix> interpret_suffix(std::string_view s) {
  for (const auto& d : kDecimalSuffixes) {
    if (d.name == s) return Suffix{10, d.exponent, QuantityFormat::decimal_si};
  }
  for (const auto& b : kBinarySuffixes) {
    if (!b.name.empty() && b.name == s) return Suffix{2, b.exponent, QuantityFormat::binary_si};
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    auto exponent = parse_go_int64(s.substr(1));
    if (!exponent) return std::nullopt;
    // Upstream narrows to int32 the same way.
    return Suffix{10, static_cast<int32_t>(*exponent), QuantityFormat::decimal_exponent};
  }
  return std::nullopt;
}

// Decimal digit strings as unsigned integers: just what parsing and printing need.
std::string multiply_by_pow2(std::string digits, int32_t power) {
  for (int32_t i = 0; i < power; ++i) {
    int carry = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
      int d = (*it - '0') * 2 + carry;
      *it = static_cast<char>('0' + d % 10);
      carry = d / 10;
    }
    if (carry) digits.insert(digits.begin(), static_cast<char>('0' + carry));
  }
  return digits;
}

void increment(std::string& digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return;
    }
    *it = '0';
  }
  digits.insert(digits.begin(), '1');
}

// Strips leading zeros, and trailing zeros into the exponent; zero becomes ("", 0).
void normalize(std::string& digits, int64_t& exponent) {
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    digits.clear();
    exponent = 0;
    return;
  }
  digits.erase(0, first);
  size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - 1 - last);
  digits.erase(last + 1);
}

// Compares two non-negative normalized numbers a×10^ea and b×10^eb.
int compare_magnitude(const std::string& a, int64_t ea, const std::string& b, int64_t eb) {
  if (a.empty() || b.empty()) return static_cast<int>(!a.empty()) - static_cast<int>(!b.empty());
  int64_t top_a = static_cast<int64_t>(a.size()) + ea;
  int64_t top_b = static_cast<int64_t>(b.size()) + eb;
  if (top_a != top_b) return top_a < top_b ? -1 : 1;
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    char ca = i < a.size() ? a[i] : '0';
    char cb = i < b.size() ? b[i] : '0';
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

// The integer digits × 10^zeros as uint64, if it has at most 19 digits.
std::optional<uint64_t> to_u64(std::string_view digits, int64_t zeros) {
  if (zeros < 0 || static_cast<int64_t>(digits.size()) + zeros > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
  for (int64_t i = 0; i < zeros; ++i) v *= 10;
  return v;
}

std::string decimal_suffix(int64_t exponent, QuantityFormat format) {
  if (format == QuantityFormat::decimal_si) {
    for (const auto& d : kDecimalSuffixes) {
      if (d.exponent == exponent) return std::string(d.name);
    }
    // Upstream prints no suffix at all here (1000E would read as 1), which changes the value;
    // the exponent form keeps it.
  }
  return exponent == 0 ? "" : "e" + std::to_string(exponent);
}

}  // namespace

Result<Quantity> Quantity::parse(std::string_view text) {
  if (text.empty()) return invalid(kFormatWrong);
  Quantity q;
  if (text == "0") {
    q.text_ = "0";
    return q;
  }
  auto pieces = split_quantity(text);
  if (!pieces) return invalid(kFormatWrong);
  auto suffix = interpret_suffix(pieces->suffix);
  if (!suffix) return invalid(kSuffixWrong);

  const auto num_len = static_cast<int64_t>(pieces->num.size());
  const auto denom_len = static_cast<int64_t>(pieces->denom.size());
  std::string digits = std::string(pieces->num) + std::string(pieces->denom);

  // Upstream keeps the text as the quantity's string when it takes its int64 fast path and the
  // text is already canonical; to_string() must then return it unchanged ("100m", "1Ki", but
  // also "+1" and "1.500").
  bool keep_text = false;
  if (suffix->base == 10) {
    int64_t precision = 18 - (num_len + denom_len);
    int64_t scale = suffix->exponent - denom_len;
    if (precision >= 0 && scale >= -9) {
      keep_text = scale % 3 == 0 && !digits.ends_with("000") && digits[0] != '0';
    }
  } else if (denom_len == 0) {
    int64_t precision = 15 - num_len - suffix->exponent * 3 / 10 - 1;
    if (precision >= 0) {
      uint64_t v = *to_u64(pieces->num, 0);
      bool fits = v <= (kInt64MaxU >> suffix->exponent);
      keep_text = fits && suffix->exponent % 10 == 0 && (v & 0x7) != 0;
    }
  }

  q.negative_ = !pieces->positive;
  q.format_ = suffix->format;
  q.exponent_ = -denom_len;
  if (suffix->base == 10) {
    q.exponent_ += suffix->exponent;
  } else {
    digits = multiply_by_pow2(std::move(digits), suffix->exponent);
  }
  normalize(digits, q.exponent_);
  // Anything finer than 1n rounds up to the next nano: asking for some resource never yields none.
  if (!digits.empty() && q.exponent_ < -9) {
    auto drop = static_cast<size_t>(-9 - q.exponent_);
    if (drop >= digits.size()) {
      digits = "1";
    } else {
      digits.erase(digits.size() - drop);
      increment(digits);  // the dropped digits were not all zero: normalize() left none trailing
    }
    q.exponent_ = -9;
    normalize(digits, q.exponent_);
  }
  if (q.format_ == QuantityFormat::binary_si) {
    std::string max(kInt64Max);
    if (compare_magnitude(digits, q.exponent_, max, 0) > 0) {
      digits = max;
      q.exponent_ = 0;
    }
    // Below one, binary suffixes cannot express it; upstream switches to decimal.
    if (!digits.empty() && static_cast<int64_t>(digits.size()) + q.exponent_ <= 0) {
      q.format_ = QuantityFormat::decimal_si;
    }
  }
  q.digits_ = std::move(digits);
  if (q.digits_.empty()) q.negative_ = false;
  if (keep_text) q.text_ = std::string(text);
  return q;
}

Quantity Quantity::from_scaled(int64_t value, int32_t scale, QuantityFormat format) {
  Quantity q;
  q.format_ = format;
  q.negative_ = value < 0;
  // Negate in unsigned arithmetic so that INT64_MIN works.
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  q.digits_ = std::to_string(magnitude);
  q.exponent_ = scale;
  normalize(q.digits_, q.exponent_);
  if (q.digits_.empty()) q.negative_ = false;
  return q;
}

int64_t Quantity::scaled_value(int32_t scale) const {
  if (digits_.empty()) return 0;
  int64_t shift = exponent_ - scale;
  std::optional<uint64_t> magnitude;
  if (shift >= 0) {
    magnitude = to_u64(digits_, shift);
  } else {
    auto drop = static_cast<uint64_t>(-shift);
    if (drop >= digits_.size()) {
      magnitude = 1;  // a fraction of the unit rounds up to one unit
    } else {
      // The dropped digits are never all zero (no trailing zeros), so round up.
      magnitude = to_u64(std::string_view(digits_).substr(0, digits_.size() - drop), 0);
      if (magnitude) ++*magnitude;
    }
  }
  if (negative_) {
    if (!magnitude || *magnitude > kInt64MaxU + 1) return INT64_MIN;
    return static_cast<int64_t>(0 - *magnitude);
  }
  if (!magnitude || *magnitude > kInt64MaxU) return INT64_MAX;
  return static_cast<int64_t>(*magnitude);
}

std::strong_ordering Quantity::operator<=>(const Quantity& other) const {
  if (sign() != other.sign()) return sign() <=> other.sign();
  int c = compare_magnitude(digits_, exponent_, other.digits_, other.exponent_);
  if (negative_) c = -c;
  return c <=> 0;
}

std::string Quantity::to_string() const { return text_.empty() ? canonical() : text_; }

std::string Quantity::canonical() const {
  if (digits_.empty()) return "0";
  std::string sign = negative_ ? "-" : "";
  QuantityFormat format = format_;
  if (format == QuantityFormat::binary_si) {
    // Small or fractional binary values print in decimal, which needs no rounding.
    if (compare_magnitude(digits_, exponent_, "1024", 0) < 0 || exponent_ < 0) {
      format = QuantityFormat::decimal_si;
    } else if (auto magnitude = to_u64(digits_, exponent_)) {
      uint64_t m = *magnitude;
      size_t power = 0;
      while (m >= 1024 && m % 1024 == 0 && power + 1 < std::size(kBinarySuffixes)) {
        m /= 1024;
        ++power;
      }
      return sign + std::to_string(m) + std::string(kBinarySuffixes[power].name);
    } else {
      format = QuantityFormat::decimal_si;
    }
  }
  // The exponent goes down to a multiple of three, the digits take the difference.
  std::string number = digits_;
  int64_t exponent = exponent_;
  int64_t extra = ((exponent % 3) + 3) % 3;
  number.append(static_cast<size_t>(extra), '0');
  exponent -= extra;
  return sign + number + decimal_suffix(exponent, format);
}

}  // namespace mk::api
