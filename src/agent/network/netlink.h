#pragma once
// The few rtnetlink operations the pod network needs, over libnl-route-3. A Netlink acts in
// the network namespace it was opened in (a netlink socket stays bound to the namespace of its
// creation), so a pod's namespace is programmed through a socket opened there, without moving
// any thread of the agent for longer than the open.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/network/ipv4.h"
#include "common/error.h"

struct nl_sock;

namespace mk::agent::network {

// Routes the pod network adds carry this rtm_protocol, so that they can be told from others
// (and stale ones removed after a restart).
constexpr uint8_t kRouteProtocol = 77;

struct LinkInfo {
  int index = 0;
  int mtu = 0;
  int master = 0;
  bool up = false;
  std::string mac;   // "aa:bb:cc:dd:ee:ff"
  std::string kind;  // "bridge", "veth", "vxlan", ... ("" when not reported)
};

struct VxlanSpec {
  std::string name;
  uint32_t vni = 1;
  uint32_t local = 0;  // source address of the tunnel (the node IP)
  int uplink = 0;      // ifindex of the device holding `local`
  uint16_t port = 8472;
  int mtu = 0;
  std::string mac;  // kept stable across re-creations; "" lets the kernel pick
};

struct RouteEntry {
  Ipv4Net dst;
  uint32_t gateway = 0;
  int oif = 0;
};

class Netlink {
 public:
  // A socket in the caller's network namespace.
  static Result<Netlink> open();
  // A socket in the namespace a path (an nsfs file) names.
  static Result<Netlink> open_in(const std::string& netns_path);
  Netlink(Netlink&&) noexcept;
  Netlink& operator=(Netlink&&) noexcept;
  ~Netlink();

  // Errc::not_found when there is no such device.
  Result<LinkInfo> link(const std::string& name);
  Result<LinkInfo> link(int index);

  Status create_bridge(const std::string& name, int mtu);
  // A veth pair whose peer is created directly in the namespace of `peer_netns_fd`.
  Status create_veth(const std::string& name, const std::string& peer, int peer_netns_fd, int mtu);
  Status create_vxlan(const VxlanSpec& spec);
  // Removes a device; a missing one is fine.
  Status delete_link(const std::string& name);
  Status set_up(int index);
  Status set_master(int index, int master);

  // Adds an address (prefix route included by the kernel); one that exists is fine.
  Status add_address(int index, uint32_t addr, int prefix);
  // Adds or replaces a route in the main table. `gateway` 0: a direct route on `oif`.
  Status replace_route(const Ipv4Net& dst, uint32_t gateway, int oif, bool onlink);
  Status delete_route(const Ipv4Net& dst);
  // Routes with kRouteProtocol in the main table.
  Result<std::vector<RouteEntry>> own_routes();

  // A permanent ARP entry on `index`.
  Status replace_neighbor(int index, uint32_t ip, const std::string& mac);
  Status delete_neighbor(int index, uint32_t ip);
  // A permanent forwarding entry of a VXLAN device: frames for `mac` go to `remote`.
  Status replace_fdb(int index, const std::string& mac, uint32_t remote);
  Status delete_fdb(int index, const std::string& mac, uint32_t remote);

 private:
  explicit Netlink(nl_sock* sock) : sock_(sock) {}
  nl_sock* sock_ = nullptr;
};

// The name of the device that holds `addr` in the caller's namespace ("" if none).
std::string device_with_address(uint32_t addr);

// Writes a sysctl under /proc/sys (in the caller's network namespace for net.*).
Status write_sysctl(const std::string& path, const std::string& value);

}  // namespace mk::agent::network
