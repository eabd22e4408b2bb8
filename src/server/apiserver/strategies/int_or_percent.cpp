#include "server/apiserver/strategies/int_or_percent.h"

#include <nlohmann/json.hpp>

#include <optional>

#include "api/go_strconv.h"
#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

bool is_percent(const std::string& s) {
  if (s.size() < 2 || s.back() != '%') return false;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// The number of a valid percentage string.
std::optional<int64_t> percent_value(const json* value) {
  if (!value || !value->is_string() || !is_percent(value->get<std::string>())) return std::nullopt;
  std::string s = value->get<std::string>();
  auto n = api::parse_go_int64(std::string_view(s).substr(0, s.size() - 1));
  return n.value_or(0);
}

}  // namespace

void validate_int_or_percent(const json* value, const std::string& field, api::FieldErrors& out) {
  if (value && value->is_string()) {
    if (!is_percent(value->get<std::string>())) {
      out.push_back(api::field_invalid_verbatim(
          field, go_int_or_string(value),
          regex_error("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", {"1%", "93%"})));
    }
    return;
  }
  if (value && value->is_number()) check_nonnegative(value->get<int64_t>(), field, out);
}

void check_not_over_100_percent(const json* value, const std::string& field, api::FieldErrors& out) {
  auto p = percent_value(value);
  if (p && *p > 100) out.push_back(api::field_invalid_verbatim(field, go_int_or_string(value), "must not be greater than 100%"));
}

int64_t int_or_percent_value(const json* value) {
  if (auto p = percent_value(value)) return *p;
  if (value && value->is_number()) return value->get<int64_t>();
  if (value && value->is_string()) return api::parse_go_int64(value->get<std::string>()).value_or(0);
  return 0;
}

}  // namespace mk::apiserver
