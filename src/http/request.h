#pragma once
// One parsed HTTP request as a handler sees it, with the TLS client identity (if any).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mk::http {

// Header fields in the order received (or to be sent); names keep the case they were given.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET"
  std::string target;  // the raw request-target: "/api/v1/pods?watch=true"
  std::string path;    // target before the first '?', still percent-encoded
  std::string query;   // target after the first '?', raw; "" when there is none
  int version = 11;    // 10 for HTTP/1.0, 11 for HTTP/1.1
  Headers headers;
  std::string body;

  // From a client certificate verified against the client CA; empty without one.
  std::string peer_common_name;
  std::vector<std::string> peer_organizations;
  std::string remote_address;  // "127.0.0.1:54321" or "[::1]:54321"
  bool tls = false;

  // The first value of the named header (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // True when the client asked to switch protocols ("Connection: Upgrade" and an Upgrade header).
  bool wants_upgrade() const;
};

// ASCII case-insensitive comparison, as header names need.
bool iequals(std::string_view a, std::string_view b);

// Splits a request-target into path and query at the first '?'.
void split_target(std::string_view target, std::string& path, std::string& query);

// %XX decoded; in a query ('+' as space too) when `plus_is_space`.
std::string percent_decode(std::string_view s, bool plus_is_space = false);

// "a=1&b=x%20y&a=2" -> {{"a","1"},{"b","x y"},{"a","2"}}, in order, repeated keys kept.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace mk::http
