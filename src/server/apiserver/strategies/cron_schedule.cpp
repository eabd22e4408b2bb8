#include "server/apiserver/strategies/cron_schedule.h"

#include <cctype>
#include <filesystem>
#include <map>
#include <vector>

#include "api/go_strconv.h"

namespace mk::apiserver {
namespace {

struct Bounds {
  int64_t min, max;
  const std::map<std::string, int64_t>* names;
};

const std::map<std::string, int64_t> kMonths = {{"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4},  {"may", 5},  {"jun", 6},
                                                 {"jul", 7}, {"aug", 8}, {"sep", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12}};
const std::map<std::string, int64_t> kDays = {{"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}};

std::vector<std::string> split(std::string_view s, bool (*is_sep)(char)) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (is_sep(c)) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> split_all(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_comma(char c) { return c == ','; }

// mustParseInt: strconv.Atoi, and no negative numbers.
std::optional<std::string> parse_int(const std::string& expr, int64_t& out) {
  std::string_view digits = expr;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  bool syntax = !digits.empty();
  for (char c : digits) syntax &= c >= '0' && c <= '9';
  auto n = syntax ? api::parse_go_int64(expr) : std::nullopt;
  if (!n) {
    std::string why = syntax ? "value out of range" : "invalid syntax";
    return "failed to parse int from " + expr + ": strconv.Atoi: parsing " + api::go_quote(expr) + ": " + why;
  }
  if (*n < 0) return "negative number (" + std::to_string(*n) + ") not allowed: " + expr;
  out = *n;
  return std::nullopt;
}

std::optional<std::string> parse_int_or_name(const std::string& expr, const Bounds& r, int64_t& out) {
  if (r.names) {
    std::string lower;
    for (char c : expr) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = r.names->find(lower);
    if (it != r.names->end()) {
      out = it->second;
      return std::nullopt;
    }
  }
  return parse_int(expr, out);
}

std::optional<std::string> check_range(const std::string& expr, const Bounds& r) {
  auto range_and_step = split_all(expr, '/');
  auto low_and_high = split_all(range_and_step[0], '-');
  bool single = low_and_high.size() == 1;
  int64_t start = 0, end = 0, step = 1;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    start = r.min;
    end = r.max;
  } else {
    if (auto e = parse_int_or_name(low_and_high[0], r, start)) return e;
    if (low_and_high.size() == 1) {
      end = start;
    } else if (low_and_high.size() == 2) {
      if (auto e = parse_int_or_name(low_and_high[1], r, end)) return e;
    } else {
      return "too many hyphens: " + expr;
    }
  }
  if (range_and_step.size() == 2) {
    if (auto e = parse_int(range_and_step[1], step)) return e;
    // "N/step" means "N-max/step".
    if (single) end = r.max;
  } else if (range_and_step.size() > 2) {
    return "too many slashes: " + expr;
  }
  auto n = [](int64_t v) { return std::to_string(v); };
  if (start < r.min) return "beginning of range (" + n(start) + ") below minimum (" + n(r.min) + "): " + expr;
  if (end > r.max) return "end of range (" + n(end) + ") above maximum (" + n(r.max) + "): " + expr;
  if (start > end) return "beginning of range (" + n(start) + ") beyond end of range (" + n(end) + "): " + expr;
  if (step == 0) return "step of range should be a positive number: " + expr;
  return std::nullopt;
}

// time.ParseDuration's grammar: [-+]? (number unit)+, or "0".
std::optional<std::string> check_go_duration(const std::string& text) {
  std::string invalid = "time: invalid duration " + api::go_quote(text);
  std::string_view s = text;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s == "0") return std::nullopt;
  if (s.empty()) return invalid;
  static const char* const kUnits[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
    }
    if (!digits) return invalid;
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !std::isdigit(static_cast<unsigned char>(s[u]))) ++u;
    if (u == 0) return "time: missing unit in duration " + api::go_quote(text);
    std::string unit(s.substr(0, u));
    bool known = false;
    for (const char* k : kUnits) known |= unit == k;
    if (!known) return "time: unknown unit " + api::go_quote(unit) + " in duration " + api::go_quote(text);
    s.remove_prefix(u);
  }
  return std::nullopt;
}

std::optional<std::string> check_descriptor(const std::string& spec) {
  for (const char* d : {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
    if (spec == d) return std::nullopt;
  const std::string every = "@every ";
  if (spec.rfind(every, 0) == 0) {
    if (auto e = check_go_duration(spec.substr(every.size()))) return "failed to parse duration " + spec + ": " + *e;
    return std::nullopt;
  }
  return "unrecognized descriptor: " + spec;
}

bool known_location(const std::string& name) {
  if (name.empty() || name == "UTC" || name == "Local") return true;
  if (name.find("..") != std::string::npos) return false;
  std::error_code ec;
  return std::filesystem::is_regular_file("/usr/share/zoneinfo/" + name, ec);
}

}  // namespace

std::optional<std::string> check_cron_schedule(std::string_view schedule) {
  std::string spec(schedule);
  if (spec.empty()) return "empty spec string";
  if (spec.rfind("TZ=", 0) == 0 || spec.rfind("CRON_TZ=", 0) == 0) {
    size_t space = spec.find(' ');
    size_t eq = spec.find('=');
    std::string location = spec.substr(eq + 1, space == std::string::npos ? std::string::npos : space - eq - 1);
    if (space == std::string::npos || !known_location(location))
      return "provided bad location " + location + ": unknown time zone " + location;
    spec = spec.substr(space);
    size_t first = spec.find_first_not_of(" \t\n\r\v\f");
    size_t last = spec.find_last_not_of(" \t\n\r\v\f");
    spec = first == std::string::npos ? "" : spec.substr(first, last - first + 1);
  }
  if (!spec.empty() && spec.front() == '@') return check_descriptor(spec);
  auto fields = split(spec, is_space);
  if (fields.size() != 5) {
    std::string listed = "[";
    for (size_t i = 0; i < fields.size(); ++i) listed += (i ? " " : "") + fields[i];
    return "expected exactly 5 fields, found " + std::to_string(fields.size()) + ": " + listed + "]";
  }
  const Bounds bounds[] = {{0, 59, nullptr}, {0, 23, nullptr}, {1, 31, nullptr}, {1, 12, &kMonths}, {0, 6, &kDays}};
  for (size_t i = 0; i < 5; ++i)
    for (const auto& expr : split(fields[i], is_comma))
      if (auto e = check_range(expr, bounds[i])) return e;
  return std::nullopt;
}

}  // namespace mk::apiserver
