#include "cli/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <system_error>

namespace mk::cli {
namespace {

Error invalid(const std::string& text, std::string_view what) {
  return make_error(Errc::invalid_argument, "\"" + text + "\" is not " + std::string(what));
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<long> parse_number(std::string_view s) {
  if (!all_digits(s) || s.size() > 9) return std::nullopt;
  long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool valid_label(std::string_view label, bool allow_upper) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [&](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || (allow_upper && std::isupper(c));
  });
}

bool valid_dns_name(std::string_view name, bool allow_upper) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (!valid_label(label, allow_upper)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

int family_bits(int family) { return family == 4 ? 32 : 128; }

// True when the first `bits` bits of a and b agree.
bool same_prefix(const IpAddress& a, const IpAddress& b, int bits) {
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8, shift = 7 - i % 8;
    if (((a.bytes[byte] >> shift) & 1) != ((b.bytes[byte] >> shift) & 1)) return false;
  }
  return true;
}

}  // namespace

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

bool Cidr::contains(const IpAddress& ip) const {
  return ip.family == network.family && same_prefix(network, ip, prefix);
}

bool Cidr::overlaps(const Cidr& other) const {
  return network.family == other.network.family &&
         same_prefix(network, other.network, std::min(prefix, other.prefix));
}

std::string Cidr::to_string() const { return network.to_string() + "/" + std::to_string(prefix); }

std::optional<IpAddress> parse_ip(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = 4;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = 6;
    return ip;
  }
  return std::nullopt;
}

Result<Cidr> parse_cidr(std::string_view text) {
  const std::string s(text);
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return invalid(s, "a valid CIDR");
  auto ip = parse_ip(text.substr(0, slash));
  auto prefix = parse_number(text.substr(slash + 1));
  if (!ip || !prefix || *prefix > family_bits(ip->family)) return invalid(s, "a valid CIDR");
  Cidr cidr{*ip, static_cast<int>(*prefix)};
  IpAddress masked = *ip;
  for (int i = cidr.prefix; i < family_bits(ip->family); ++i) {
    masked.bytes[i / 8] &= static_cast<uint8_t>(~(1u << (7 - i % 8)));
  }
  if (masked.bytes != ip->bytes) {
    return make_error(Errc::invalid_argument, "\"" + s + "\" is not a valid CIDR: host bits are set (did you mean " +
                                                  masked.to_string() + "/" + std::to_string(cidr.prefix) + "?)");
  }
  return cidr;
}

Result<std::string> check_ip(const std::string& text) {
  auto ip = parse_ip(text);
  if (!ip) return invalid(text, "a valid IP address");
  return ip->to_string();
}

Result<std::string> check_cidr(const std::string& text) {
  auto cidr = parse_cidr(text);
  if (!cidr) return cidr.error();
  return cidr->to_string();
}

Result<std::string> check_port(const std::string& text) {
  auto port = parse_number(text);
  if (!port || *port < 1 || *port > 65535) return invalid(text, "a valid port (1-65535)");
  return std::to_string(*port);
}

Result<std::string> check_file_mode(const std::string& text) {
  bool octal = !text.empty() && text.size() <= 4 &&
               std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!octal || (text.size() == 4 && text[0] != '0')) {
    return invalid(text, "an octal file mode such as 0600 or 0644");
  }
  return std::string(4 - text.size(), '0') + text;
}

uint32_t parse_file_mode(const std::string& normalised) {
  uint32_t mode = 0;
  for (char c : normalised) mode = mode * 8 + static_cast<uint32_t>(c - '0');
  return mode;
}

Result<std::string> check_https_url(const std::string& text) {
  const std::string_view scheme = "https://";
  if (text.size() <= scheme.size() || lower(text.substr(0, scheme.size())) != scheme) {
    return invalid(text, "an https:// URL");
  }
  std::string_view rest = std::string_view(text).substr(scheme.size());
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == authority.npos) return invalid(text, "a valid https:// URL");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid(text, "a valid https:// URL");
      port = after.substr(1);
    }
    if (!parse_ip(host) || parse_ip(host)->family != 6) return invalid(text, "a valid https:// URL");
  } else {
    size_t colon = authority.find(':');
    if (colon != authority.npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!parse_ip(host) && !valid_dns_name(host, true)) return invalid(text, "a valid https:// URL");
  }
  bool has_port = authority.size() > host.size() + (authority.front() == '[' ? 2 : 0);
  if (has_port && !check_port(std::string(port))) return invalid(text, "a valid https:// URL (bad port)");
  return "https://" + std::string(rest);
}

Result<std::string> check_node_name(const std::string& text) {
  if (!valid_dns_name(text, false)) {
    return invalid(text, "a valid node name (lower-case letters, digits, '-' and '.', at most 253 characters)");
  }
  return text;
}

Result<std::string> check_dns_domain(const std::string& text) {
  if (!valid_dns_name(text, false)) return invalid(text, "a valid DNS domain");
  return text;
}

Result<std::string> check_san(const std::string& text) {
  if (auto ip = parse_ip(text)) return ip->to_string();
  std::string_view name = text;
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (!valid_dns_name(name, true)) return invalid(text, "an IP address or DNS name");
  return lower(text);
}

Result<std::string> check_endpoint(const std::string& text) {
  size_t sep = text.find("://");
  bool scheme_ok = sep != std::string::npos && sep > 0 &&
                   std::all_of(text.begin(), text.begin() + static_cast<long>(sep),
                               [](unsigned char c) { return std::isalnum(c) || c == '+'; });
  if (!scheme_ok || sep + 3 == text.size()) {
    return invalid(text, "a datastore endpoint such as sqlite:///var/lib/minikube/server/db/state.db");
  }
  return text;
}

Result<std::string> check_durability(const std::string& text) {
  std::string v = lower(text);
  if (v != "full" && v != "normal") return invalid(text, "a durability level (full or normal)");
  return v;
}

Result<std::string> check_flannel_backend(const std::string& text) {
  std::string v = lower(text);
  if (v != "vxlan" && v != "host-gw" && v != "none") return invalid(text, "a flannel backend (vxlan, host-gw or none)");
  return v;
}

Result<std::string> check_not_empty(const std::string& text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "must not be empty");
  return text;
}

Result<std::string> check_path(const std::string& text) {
  if (text.empty()) return make_error(Errc::invalid_argument, "must not be empty");
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(text, ec);
  if (ec) return make_error(Errc::invalid_argument, "\"" + text + "\": " + ec.message());
  std::string out = abs.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<std::string> check_bool(const std::string& text) {
  std::string v = lower(text);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return std::string("true");
  if (v == "false" || v == "0" || v == "no" || v == "off") return std::string("false");
  return invalid(text, "a boolean (true or false)");
}

}  // namespace mk::cli
