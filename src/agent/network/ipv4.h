#pragma once
// IPv4 addresses and prefixes as the pod network uses them (host byte order inside).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mk::agent::network {

std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t addr);

struct Ipv4Net {
  uint32_t base = 0;  // the network address (host bits cleared)
  int prefix = 0;

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool contains(uint32_t addr) const { return (addr & mask()) == base; }
  uint64_t size() const { return uint64_t{1} << (32 - prefix); }
  // The first usable address: the gateway of a pod subnet.
  uint32_t gateway() const { return base + 1; }
  uint32_t broadcast() const { return base | ~mask(); }
  std::string text() const { return format_ipv4(base) + "/" + std::to_string(prefix); }
  bool operator==(const Ipv4Net&) const = default;
};

// "10.42.1.0/24"; host bits must be zero.
std::optional<Ipv4Net> parse_ipv4_net(std::string_view text);

}  // namespace mk::agent::network
