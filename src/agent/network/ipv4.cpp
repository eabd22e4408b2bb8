#include "agent/network/ipv4.h"

#include <arpa/inet.h>

namespace mk::agent::network {

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  std::string s(text);
  in_addr a{};
  if (s.empty() || ::inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string format_ipv4(uint32_t addr) {
  in_addr a{htonl(addr)};
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::optional<Ipv4Net> parse_ipv4_net(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = parse_ipv4(text.substr(0, slash));
  std::string_view bits = text.substr(slash + 1);
  if (!addr || bits.empty() || bits.size() > 2) return std::nullopt;
  int prefix = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > 32) return std::nullopt;
  Ipv4Net net{*addr, prefix};
  if ((*addr & net.mask()) != *addr) return std::nullopt;
  return net;
}

}  // namespace mk::agent::network
