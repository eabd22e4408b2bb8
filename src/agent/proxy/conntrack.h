#pragma once
// Removing stale UDP conntrack entries through libnetfilter_conntrack (in the network namespace
// of the calling thread). NAT is decided on a flow's first packet only, so a UDP client (DNS)
// keeps sending to an endpoint that went away until its entry is deleted; TCP flows end by
// themselves.

#include <cstdint>
#include <tuple>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::agent::proxy {

// UDP entries to delete: original destination `dst_ip` ("" for any local address, as for a
// NodePort) and `dst_port`, answered by `endpoint_ip` ("" for any endpoint).
struct UdpFlowFilter {
  std::string dst_ip;
  uint16_t dst_port = 0;
  std::string endpoint_ip;
  bool operator<(const UdpFlowFilter& o) const {
    return std::tie(dst_ip, dst_port, endpoint_ip) < std::tie(o.dst_ip, o.dst_port, o.endpoint_ip);
  }
};

// Deletes every IPv4 UDP entry matching one of `filters`; returns how many went.
Result<int> delete_udp_flows(const std::vector<UdpFlowFilter>& filters);

}  // namespace mk::agent::proxy
