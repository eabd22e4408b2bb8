// Resource quantities: parsing, canonical printing, integer views and ordering, following
// apimachinery's pkg/api/resource.

#include <catch2/catch.hpp>
#include <cstdint>

#include "api/quantity.h"

using mk::api::Quantity;
using mk::api::QuantityFormat;

TEST_CASE("quantities parse and print canonically") {
  struct Case {
    std::string input;
    std::string canonical;
    int64_t value;
    int64_t milli;
    QuantityFormat format;
  };
  const auto si = QuantityFormat::decimal_si;
  const auto bin = QuantityFormat::binary_si;
  const auto exp = QuantityFormat::decimal_exponent;
  const std::vector<Case> cases = {
      {"0", "0", 0, 0, si},
      {"100m", "100m", 1, 100, si},
      {"1", "1", 1, 1000, si},
      {"1.5", "1500m", 2, 1500, si},
      {"1000m", "1", 1, 1000, si},
      {"5000m", "5", 5, 5000, si},
      {"0.1", "100m", 1, 100, si},
      {"1.08", "1080m", 2, 1080, si},
      {"0.5", "500m", 1, 500, si},
      {"2Ki", "2Ki", 2048, 2048000, bin},
      {"1Mi", "1Mi", 1048576, 1048576000, bin},
      {"1536Mi", "1536Mi", 1610612736, 1610612736000, bin},
      {"1024Mi", "1Gi", 1073741824, 1073741824000, bin},
      {"307200Ki", "300Mi", 314572800, 314572800000, bin},
      {"1.5Gi", "1536Mi", 1610612736, 1610612736000, bin},
      {".001Ki", "1024m", 2, 1024, bin},
      {".000001Ki", "1024u", 1, 2, si},
      {"1G", "1G", 1000000000, 1000000000000, si},
      {"1000M", "1G", 1000000000, 1000000000000, si},
      {"129M", "129M", 129000000, 129000000000, si},
      {"128974848", "128974848", 128974848, 128974848000, si},
      {"123Mi", "123Mi", 128974848, 128974848000, bin},
      {"1e3", "1e3", 1000, 1000000, exp},
      {"129e6", "129e6", 129000000, 129000000000, exp},
      {".001e12", "1e9", 1000000000, 1000000000000, exp},
      {"0.001e0", "1e-3", 1, 1, exp},
      {"1000e-12", "1e-9", 1, 1, exp},
      {"1e-3", "1e-3", 1, 1, exp},
      {"10e2", "1e3", 1000, 1000000, exp},
      {"1n", "1n", 1, 1, si},
      {"1080n", "1080n", 1, 1, si},
      {"0.0000000001", "1n", 1, 1, si},  // finer than 1n rounds up to 1n
      {"3k", "3k", 3000, 3000000, si},
      {"1T", "1T", 1000000000000, 1000000000000000, si},
      {"1E", "1E", 1000000000000000000, INT64_MAX, si},
      {"-100m", "-100m", -1, -100, si},
      {"-1.5", "-1500m", -2, -1500, si},
      {"-1024Ki", "-1Mi", -1048576, -1048576000, bin},
      {"0Mi", "0", 0, 0, bin},
      {"000", "0", 0, 0, si},
      // Upstream prints a canonical-looking input back as written.
      {"+1", "+1", 1, 1000, si},
      {"1.500", "1.500", 2, 1500, si},
      {"1E3", "1E3", 1000, 1000000, exp},
      // Binary values are capped at 2^63-1.
      {"8Ei", "9223372036854775807", INT64_MAX, INT64_MAX, bin},
      {"1Ei", "1Ei", 1152921504606846976, INT64_MAX, bin},
      // DecimalSI beyond E has no suffix; the exponent form keeps the value.
      {"1000E", "1e21", INT64_MAX, INT64_MAX, si},
      // The scanner reads a bare suffix or point as zero, as upstream's does.
      {"Ki", "0", 0, 0, bin},
      {".", "0", 0, 0, si},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    auto q = Quantity::parse(c.input);
    REQUIRE(q);
    CHECK(q->to_string() == c.canonical);
    CHECK(q->value() == c.value);
    CHECK(q->milli_value() == c.milli);
    CHECK(q->format() == c.format);
    // The canonical form reads back as the same number and prints as itself.
    auto again = Quantity::parse(c.canonical);
    REQUIRE(again);
    CHECK(*again == *q);
    CHECK(again->to_string() == c.canonical);
  }
}

TEST_CASE("malformed quantities are refused with upstream's messages") {
  const std::string format =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const std::string suffix = "unable to parse quantity's suffix";
  struct Case {
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", format},         {" 1", format},       {"1 ", format},      {"aoeu", format},
      {"1.1.M", format},    {"1+1.0M", format},   {"0.1am", format},   {"x", format},
      {"1Mi ", format},     {"1i", suffix},       {".5i", suffix},     {"0.1mi", suffix},
      {"-3.01i", suffix},   {"-3.01e-", suffix},  {"1e", suffix},      {"1Kii", suffix},
      {"1ki", suffix},      {"1Ki3", suffix},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    auto q = Quantity::parse(c.input);
    REQUIRE_FALSE(q);
    CHECK(q.error().code == mk::Errc::invalid_argument);
    CHECK(q.error().message == c.message);
  }
}

TEST_CASE("quantities compare by value") {
  struct Case {
    std::string a;
    std::string b;
    int order;  // sign of a - b
  };
  const std::vector<Case> cases = {
      {"1", "1000m", 0},   {"1k", "1e3", 0},     {"1Ki", "1024", 0},  {"1Ki", "1025", -1},
      {"1Gi", "1G", 1},    {"-1", "0", -1},      {"100m", "0.2", -1}, {"-2", "-1", -1},
      {"0", "-0", 0},      {"1n", "0", 1},       {"999m", "1", -1},   {"2", "1500m", 1},
      {"1E", "1Ei", -1},   {"1e21", "1000E", 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.a, c.b);
    auto a = Quantity::parse(c.a);
    auto b = Quantity::parse(c.b);
    REQUIRE(a);
    REQUIRE(b);
    auto cmp = *a <=> *b;
    int order = cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
    CHECK(order == c.order);
  }
}

TEST_CASE("quantities built from integers") {
  struct Case {
    Quantity q;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {Quantity::from_value(16318532LL * 1024, QuantityFormat::binary_si), "16318532Ki"},
      {Quantity::from_value(1LL << 30, QuantityFormat::binary_si), "1Gi"},
      {Quantity::from_value(512, QuantityFormat::binary_si), "512"},
      {Quantity::from_value(1025, QuantityFormat::binary_si), "1025"},
      {Quantity::from_value(0, QuantityFormat::binary_si), "0"},
      {Quantity::from_value(4, QuantityFormat::decimal_si), "4"},
      {Quantity::from_value(110, QuantityFormat::decimal_si), "110"},
      {Quantity::from_value(-3000, QuantityFormat::decimal_si), "-3k"},
      {Quantity::from_milli_value(1500, QuantityFormat::decimal_si), "1500m"},
      {Quantity::from_milli_value(2000, QuantityFormat::decimal_si), "2"},
      {Quantity::from_milli_value(250, QuantityFormat::binary_si), "250m"},
      {Quantity::from_scaled(5, 9, QuantityFormat::decimal_exponent), "5e9"},
      {Quantity::from_value(INT64_MIN, QuantityFormat::decimal_si), "-9223372036854775808"},
      {Quantity(), "0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.canonical);
    CHECK(c.q.to_string() == c.canonical);
  }
  CHECK(Quantity::from_milli_value(1500, QuantityFormat::decimal_si).value() == 2);
  CHECK(Quantity::from_value(INT64_MIN, QuantityFormat::decimal_si).value() == INT64_MIN);
  CHECK(Quantity::from_value(INT64_MIN, QuantityFormat::decimal_si).milli_value() == INT64_MIN);
  CHECK(Quantity::from_value(7, QuantityFormat::decimal_si).scaled_value(3) == 1);
  CHECK(Quantity().is_zero());
  CHECK(Quantity::from_value(-1, QuantityFormat::decimal_si).sign() == -1);
}
