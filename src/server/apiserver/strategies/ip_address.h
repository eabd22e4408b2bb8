#pragma once
// IP addresses and CIDRs in specs (endpoints, node pod CIDRs, network policy blocks), parsed
// as Go's net package does for the API server's legacy fields (IPv4 parts may have leading
// zeros), with upstream's messages.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "api/field_error.h"

namespace mk::apiserver {

struct IpAddress {
  std::array<unsigned char, 16> bytes{};  // IPv4 in the last four, as IPv4-mapped IPv6
  bool v4 = false;
};

std::optional<IpAddress> parse_ip(std::string_view text);

struct Cidr {
  IpAddress base;
  int prefix = 0;  // in bits of the address family
};

std::optional<Cidr> parse_cidr(std::string_view text);
// Whether `inner` lies within `outer` and is strictly smaller.
bool strict_subset(const Cidr& inner, const Cidr& outer);

// IsValidIP: "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".
void validate_ip(const std::string& value, const std::string& field, api::FieldErrors& out);
// ValidateNonSpecialIP: not unspecified, loopback or link-local.
void validate_non_special_ip(const std::string& value, const std::string& field, api::FieldErrors& out);
// IsValidCIDR: "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)".
void validate_cidr(const std::string& value, const std::string& field, api::FieldErrors& out);

}  // namespace mk::apiserver
