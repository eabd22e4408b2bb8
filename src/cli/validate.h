#pragma once
// Checks for the values the command line accepts. Each check returns the value in its
// normalised form, or an Error whose message describes the value but not where it came from
// (the caller prefixes the flag, variable or config file line).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::cli {

struct IpAddress {
  int family = 4;                    // 4 or 6
  std::array<uint8_t, 16> bytes{};   // IPv4 uses the first 4
  std::string to_string() const;
};

struct Cidr {
  IpAddress network;
  int prefix = 0;
  bool contains(const IpAddress& ip) const;
  bool overlaps(const Cidr& other) const;
  std::string to_string() const;
};

std::optional<IpAddress> parse_ip(std::string_view text);
// Accepts only a network address (no host bits set) with a prefix that fits the family.
Result<Cidr> parse_cidr(std::string_view text);

Result<std::string> check_ip(const std::string& text);
Result<std::string> check_cidr(const std::string& text);
Result<std::string> check_port(const std::string& text);
// An octal permission mode such as 600 or 0644; normalised to four digits.
Result<std::string> check_file_mode(const std::string& text);
// https://host[:port][/path]
Result<std::string> check_https_url(const std::string& text);
// A Kubernetes node name: a lower-case RFC 1123 DNS subdomain.
Result<std::string> check_node_name(const std::string& text);
Result<std::string> check_dns_domain(const std::string& text);
// An IP address or a DNS name, optionally with a leading "*." wildcard label.
Result<std::string> check_san(const std::string& text);
// scheme://rest, e.g. sqlite:///var/lib/minikube/server/db/state.db
Result<std::string> check_endpoint(const std::string& text);
Result<std::string> check_durability(const std::string& text);
// vxlan, host-gw or none.
Result<std::string> check_flannel_backend(const std::string& text);
Result<std::string> check_not_empty(const std::string& text);
// Made absolute against the working directory, so a daemon's later chdir cannot change it.
Result<std::string> check_path(const std::string& text);
// true/false (also 1/0, yes/no, on/off, any case); normalised to "true" or "false".
Result<std::string> check_bool(const std::string& text);

uint32_t parse_file_mode(const std::string& normalised);

}  // namespace mk::cli
