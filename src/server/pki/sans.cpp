#include "server/pki/sans.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <climits>
#include <memory>

namespace mk::pki {

namespace {

// Canonical text of an IPv4 or IPv6 address, or "" if text is neither.
std::string canonical_ip(std::string_view text) {
  std::string s(text);
  unsigned char buf[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1 && inet_ntop(AF_INET, buf, out, sizeof out) != nullptr) return out;
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1 && inet_ntop(AF_INET6, buf, out, sizeof out) != nullptr) return out;
  return "";
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// Lowercased input if it is a DNS name we put in a certificate, "" otherwise.
std::string canonical_dns(std::string_view name) {
  std::string s(name);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s.empty() || s.size() > 253) return "";
  std::string_view rest(s);
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  while (true) {
    auto dot = rest.find('.');
    if (!valid_label(rest.substr(0, dot))) return "";
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return s;
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool contains(const std::vector<std::string>& sorted, const std::string& s) {
  return std::binary_search(sorted.begin(), sorted.end(), s);
}

Error invalid_cidr(std::string_view cidr) {
  return make_error(Errc::invalid_argument, "parse CIDR \"" + std::string(cidr) + "\": not an address/prefix");
}

}  // namespace

void normalize(SanSet& sans) {
  sort_unique(sans.dns_names);
  sort_unique(sans.ip_addresses);
}

Status add_san(SanSet& sans, std::string_view name) {
  if (auto ip = canonical_ip(name); !ip.empty()) {
    sans.ip_addresses.push_back(std::move(ip));
    return Status::ok();
  }
  if (auto dns = canonical_dns(name); !dns.empty()) {
    sans.dns_names.push_back(std::move(dns));
    return Status::ok();
  }
  return make_error(Errc::invalid_argument,
                    "add subject alternative name \"" + std::string(name) + "\": neither an IP address nor a DNS name");
}

bool covers(const SanSet& have, const SanSet& want) { return missing_sans(have, want).empty(); }

std::vector<std::string> missing_sans(const SanSet& have, const SanSet& want) {
  std::vector<std::string> out;
  for (const auto& d : want.dns_names) {
    if (!contains(have.dns_names, d)) out.push_back("DNS:" + d);
  }
  for (const auto& ip : want.ip_addresses) {
    if (!contains(have.ip_addresses, ip)) out.push_back("IP:" + ip);
  }
  return out;
}

Result<std::string> first_address(std::string_view cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return invalid_cidr(cidr);
  std::string addr(cidr.substr(0, slash));
  auto prefix_text = cidr.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (ec != std::errc() || end != prefix_text.data() + prefix_text.size()) return invalid_cidr(cidr);

  std::array<unsigned char, sizeof(in6_addr)> bytes{};
  int family = AF_INET;
  size_t len = 4;
  if (inet_pton(AF_INET, addr.c_str(), bytes.data()) != 1) {
    family = AF_INET6;
    len = 16;
    if (inet_pton(AF_INET6, addr.c_str(), bytes.data()) != 1) return invalid_cidr(cidr);
  }
  // A /32 or /128 has no address after the network's own; /31 and /127 have no room either.
  if (prefix < 0 || prefix > static_cast<int>(len * 8) - 2) {
    return make_error(Errc::invalid_argument, "parse CIDR \"" + std::string(cidr) + "\": prefix leaves no host addresses");
  }
  for (size_t bit = static_cast<size_t>(prefix); bit < len * 8; ++bit) {
    bytes[bit / 8] = static_cast<unsigned char>(bytes[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  bytes[len - 1] = static_cast<unsigned char>(bytes[len - 1] | 1);  // host bits are zero, so +1 is |1
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(family, bytes.data(), out, sizeof out) == nullptr) return invalid_cidr(cidr);
  return std::string(out);
}

Result<std::vector<std::string>> host_addresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return errno_error("list network interfaces", errno);
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, &freeifaddrs);
  std::vector<std::string> out;
  for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr || (ifa->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char text[INET6_ADDRSTRLEN];
    if (ifa->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr);
      if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text) != nullptr) out.emplace_back(text);
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) continue;
      if (inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text) != nullptr) out.emplace_back(text);
    }
  }
  sort_unique(out);
  return out;
}

Result<SanSet> serving_sans(const ServingSanOptions& options) {
  SanSet sans;
  sans.ip_addresses = {"127.0.0.1", "::1"};
  sans.dns_names = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"};
  if (auto st = add_san(sans, "kubernetes.default.svc." + options.cluster_domain); !st) {
    return st.error().wrap("cluster domain");
  }

  std::string_view cidrs = options.service_cidr;
  while (!cidrs.empty()) {
    auto comma = cidrs.find(',');
    auto one = cidrs.substr(0, comma);
    auto ip = first_address(one);
    if (!ip) return ip.error().wrap("service CIDR");
    sans.ip_addresses.push_back(*ip);
    cidrs = comma == std::string_view::npos ? std::string_view() : cidrs.substr(comma + 1);
  }

  if (options.include_host) {
    auto addrs = host_addresses();
    if (!addrs) return addrs.error();
    sans.ip_addresses.insert(sans.ip_addresses.end(), addrs->begin(), addrs->end());
    // The host name helps `kubectl --server https://<host>:6443`; a name that is not a valid
    // DNS name (rare, but seen) is skipped rather than failing the start.
    char host[HOST_NAME_MAX + 1] = {};
    if (gethostname(host, sizeof host - 1) == 0) {
      if (auto dns = canonical_dns(host); !dns.empty()) sans.dns_names.push_back(std::move(dns));
    }
  }

  for (const auto& name : options.extra_sans) {
    if (auto st = add_san(sans, name); !st) return st.error().wrap("--tls-san");
  }
  normalize(sans);
  return sans;
}

}  // namespace mk::pki
