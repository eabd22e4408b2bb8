#include "server/apiserver/strategies/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace mk::apiserver {
namespace {

std::optional<IpAddress> parse_v4(std::string_view text) {
  IpAddress ip;
  ip.v4 = true;
  ip.bytes[10] = ip.bytes[11] = 0xff;
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    size_t start = i;
    int value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) value = value * 10 + (text[i++] - '0');
    if (i == start || value > 255) return std::nullopt;
    ip.bytes[12 + part++] = static_cast<unsigned char>(value);
    if (part < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return ip;
}

bool is_v4_mapped(const IpAddress& ip) {
  for (int i = 0; i < 10; ++i)
    if (ip.bytes[i] != 0) return false;
  return ip.bytes[10] == 0xff && ip.bytes[11] == 0xff;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return parse_v4(text);
  IpAddress ip;
  std::string s(text);
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  ip.v4 = is_v4_mapped(ip);
  return ip;
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ip(text.substr(0, slash));
  std::string_view bits = text.substr(slash + 1);
  if (!ip || bits.empty() || bits.size() > 3) return std::nullopt;
  int prefix = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  // A dotted address takes an IPv4 prefix length even when written IPv4-mapped.
  bool dotted = text.substr(0, slash).find(':') == std::string_view::npos;
  if (prefix > (dotted ? 32 : 128)) return std::nullopt;
  Cidr c{*ip, prefix};
  if (!dotted) c.base.v4 = false;
  return c;
}

bool strict_subset(const Cidr& inner, const Cidr& outer) {
  if (inner.base.v4 != outer.base.v4 || inner.prefix <= outer.prefix) return false;
  int offset = outer.base.v4 ? 96 : 0;
  int bits = offset + outer.prefix;
  for (int b = 0; b < bits; ++b) {
    int byte = b / 8, shift = 7 - b % 8;
    if (((inner.base.bytes[byte] >> shift) & 1) != ((outer.base.bytes[byte] >> shift) & 1)) return false;
  }
  return true;
}

void validate_ip(const std::string& value, const std::string& field, api::FieldErrors& out) {
  if (!parse_ip(value)) out.push_back(api::field_invalid(field, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
}

void validate_non_special_ip(const std::string& value, const std::string& field, api::FieldErrors& out) {
  auto ip = parse_ip(value);
  if (!ip) {
    out.push_back(api::field_invalid(field, value, "must be a valid IP address"));
    return;
  }
  const auto& b = ip->bytes;
  bool zero = true;
  for (int i = ip->v4 ? 12 : 0; i < 16; ++i) zero &= b[i] == 0;
  bool loopback = ip->v4 ? b[12] == 127 : (zero ? false : std::memcmp(b.data(), "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
  bool link_local = ip->v4 ? (b[12] == 169 && b[13] == 254) : (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
  bool link_local_multicast = ip->v4 ? (b[12] == 224 && b[13] == 0 && b[14] == 0) : (b[0] == 0xff && (b[1] & 0x0f) == 0x02);
  if (zero) out.push_back(api::field_invalid(field, value, "may not be unspecified (" + value + ")"));
  if (loopback) out.push_back(api::field_invalid(field, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  if (link_local) out.push_back(api::field_invalid(field, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  if (link_local_multicast)
    out.push_back(api::field_invalid(field, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
}

void validate_cidr(const std::string& value, const std::string& field, api::FieldErrors& out) {
  if (!parse_cidr(value))
    out.push_back(api::field_invalid(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
}

}  // namespace mk::apiserver
