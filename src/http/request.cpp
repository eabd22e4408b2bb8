#include "http/request.h"

namespace mk::http {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// True when the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

bool Request::has_header(std::string_view name) const {
  for (const auto& entry : headers) {
    if (iequals(entry.first, name)) return true;
  }
  return false;
}

bool Request::wants_upgrade() const {
  if (!has_header("Upgrade")) return false;
  for (const auto& [key, value] : headers) {
    if (iequals(key, "Connection") && has_token(value, "upgrade")) return true;
  }
  return false;
}

void split_target(std::string_view target, std::string& path, std::string& query) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) {
    path.assign(target);
    query.clear();
  } else {
    path.assign(target.substr(0, q));
    query.assign(target.substr(q + 1));
  }
}

}  // namespace mk::http
