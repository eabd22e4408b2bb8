#include "agent/network/names.h"

#include <cstdint>
#include <cstdio>

namespace mk::agent::network {
namespace {

// FNV-1a, 64 bits: stable across builds and machines, which a std::hash is not.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(uint64_t value, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return std::string(buf + 16 - digits);
}

}  // namespace

NodeNames node_names(const std::string& node_name) {
  std::string h = hex(fnv1a(node_name), 8);
  NodeNames n;
  n.bridge = "mkbr-" + h;
  n.vxlan = "mkvx-" + h;
  // nftables names are at most 255 bytes; node names up to 253.
  n.table = node_name.size() <= 200 ? "minikube-net-" + node_name : "minikube-net-" + hex(fnv1a(node_name), 16);
  return n;
}

std::string veth_name(const std::string& node_name, const std::string& pod_uid) {
  return "mkv" + hex(fnv1a(node_name + "/" + pod_uid), 12);
}

}  // namespace mk::agent::network
