#include "agent/network/netlink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "common/unique_fd.h"

namespace mk::agent::network {
namespace {

// Owners for libnl objects (each kind has its own release function).
struct LinkPut {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct RtAddrPut {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct RoutePut {
  void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct NeighPut {
  void operator()(rtnl_neigh* n) const { rtnl_neigh_put(n); }
};
struct CacheFree {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using AddrPtr = std::unique_ptr<nl_addr, AddrPut>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, RtAddrPut>;
using RoutePtr = std::unique_ptr<rtnl_route, RoutePut>;
using NeighPtr = std::unique_ptr<rtnl_neigh, NeighPut>;
using CachePtr = std::unique_ptr<nl_cache, CacheFree>;

Error nl_error(const std::string& what, int err) {
  err = err < 0 ? -err : err;
  Errc code = err == NLE_EXIST ? Errc::already_exists
              : (err == NLE_OBJ_NOTFOUND || err == NLE_NODEV) ? Errc::not_found
              : err == NLE_PERM ? Errc::permission_denied
                                : Errc::io;
  return make_error(code, what + ": " + nl_geterror(err));
}

AddrPtr ipv4_addr(uint32_t addr, int prefix) {
  uint32_t be = htonl(addr);
  AddrPtr a(nl_addr_build(AF_INET, &be, sizeof be));
  if (a) nl_addr_set_prefixlen(a.get(), prefix);
  return a;
}

AddrPtr mac_addr(const std::string& mac) {
  nl_addr* a = nullptr;
  if (nl_addr_parse(mac.c_str(), AF_LLC, &a) != 0) return nullptr;
  return AddrPtr(a);
}

std::string addr_text(nl_addr* a) {
  if (!a) return "";
  char buf[64] = {};
  nl_addr2str(a, buf, sizeof buf);
  return buf;
}

LinkInfo info_of(rtnl_link* l) {
  LinkInfo i;
  i.index = rtnl_link_get_ifindex(l);
  i.mtu = static_cast<int>(rtnl_link_get_mtu(l));
  i.master = rtnl_link_get_master(l);
  i.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
  i.mac = addr_text(rtnl_link_get_addr(l));
  if (const char* kind = rtnl_link_get_type(l)) i.kind = kind;
  return i;
}

}  // namespace

Result<Netlink> Netlink::open() {
  nl_sock* sock = nl_socket_alloc();
  if (!sock) return make_error(Errc::io, "allocate a netlink socket");
  if (int err = nl_connect(sock, NETLINK_ROUTE); err < 0) {
    nl_socket_free(sock);
    return nl_error("connect to rtnetlink", err);
  }
  return Netlink(sock);
}

Result<Netlink> Netlink::open_in(const std::string& netns_path) {
  UniqueFd ns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return errno_error("open network namespace " + netns_path, errno);
  // setns() moves only the calling thread; a short-lived one does it, and the socket it opens
  // stays in that namespace after the thread is gone.
  std::optional<Result<Netlink>> out;
  std::thread t([&] {
    if (::setns(ns.get(), CLONE_NEWNET) != 0) {
      out.emplace(errno_error("enter network namespace " + netns_path, errno));
      return;
    }
    out.emplace(open());
  });
  t.join();
  return std::move(*out);
}

Netlink::Netlink(Netlink&& o) noexcept : sock_(std::exchange(o.sock_, nullptr)) {}
Netlink& Netlink::operator=(Netlink&& o) noexcept {
  if (this != &o) {
    if (sock_) nl_socket_free(sock_);
    sock_ = std::exchange(o.sock_, nullptr);
  }
  return *this;
}
Netlink::~Netlink() {
  if (sock_) nl_socket_free(sock_);
}

Result<LinkInfo> Netlink::link(const std::string& name) {
  rtnl_link* l = nullptr;
  if (int err = rtnl_link_get_kernel(sock_, 0, name.c_str(), &l); err < 0) return nl_error("find device " + name, err);
  LinkPtr owned(l);
  return info_of(l);
}

Result<LinkInfo> Netlink::link(int index) {
  rtnl_link* l = nullptr;
  if (int err = rtnl_link_get_kernel(sock_, index, nullptr, &l); err < 0) {
    return nl_error("find device " + std::to_string(index), err);
  }
  LinkPtr owned(l);
  return info_of(l);
}

Status Netlink::create_bridge(const std::string& name, int mtu) {
  LinkPtr l(rtnl_link_alloc());
  rtnl_link_set_name(l.get(), name.c_str());
  if (int err = rtnl_link_set_type(l.get(), "bridge"); err < 0) return nl_error("create bridge " + name, err);
  if (mtu > 0) rtnl_link_set_mtu(l.get(), static_cast<unsigned>(mtu));
  if (int err = rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) return nl_error("create bridge " + name, err);
  return Status::ok();
}

Status Netlink::create_veth(const std::string& name, const std::string& peer_name, int peer_netns_fd, int mtu) {
  LinkPtr l(rtnl_link_veth_alloc());
  if (!l) return make_error(Errc::io, "create veth " + name + ": allocation failed");
  LinkPtr peer(rtnl_link_veth_get_peer(l.get()));
  rtnl_link_set_name(l.get(), name.c_str());
  rtnl_link_set_name(peer.get(), peer_name.c_str());
  if (mtu > 0) {
    rtnl_link_set_mtu(l.get(), static_cast<unsigned>(mtu));
    rtnl_link_set_mtu(peer.get(), static_cast<unsigned>(mtu));
  }
  rtnl_link_set_ns_fd(peer.get(), peer_netns_fd);
  if (int err = rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    return nl_error("create veth pair " + name + "/" + peer_name, err);
  }
  return Status::ok();
}

Status Netlink::create_vxlan(const VxlanSpec& spec) {
  LinkPtr l(rtnl_link_vxlan_alloc());
  if (!l) return make_error(Errc::io, "create vxlan " + spec.name + ": allocation failed");
  rtnl_link_set_name(l.get(), spec.name.c_str());
  rtnl_link_vxlan_set_id(l.get(), spec.vni);
  AddrPtr local = ipv4_addr(spec.local, 32);
  rtnl_link_vxlan_set_local(l.get(), local.get());
  if (spec.uplink > 0) rtnl_link_vxlan_set_link(l.get(), static_cast<uint32_t>(spec.uplink));
  rtnl_link_vxlan_set_port(l.get(), spec.port);
  rtnl_link_vxlan_set_learning(l.get(), 0);
  if (spec.mtu > 0) rtnl_link_set_mtu(l.get(), static_cast<unsigned>(spec.mtu));
  AddrPtr mac;
  if (!spec.mac.empty()) {
    mac = mac_addr(spec.mac);
    if (!mac) return make_error(Errc::invalid_argument, "create vxlan " + spec.name + ": bad MAC address " + spec.mac);
    rtnl_link_set_addr(l.get(), mac.get());
  }
  if (int err = rtnl_link_add(sock_, l.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    return nl_error("create vxlan " + spec.name, err);
  }
  return Status::ok();
}

Status Netlink::delete_link(const std::string& name) {
  LinkPtr l(rtnl_link_alloc());
  rtnl_link_set_name(l.get(), name.c_str());
  int err = rtnl_link_delete(sock_, l.get());
  if (err < 0 && -err != NLE_NODEV && -err != NLE_OBJ_NOTFOUND) return nl_error("delete device " + name, err);
  return Status::ok();
}

Status Netlink::set_up(int index) {
  LinkPtr orig(rtnl_link_alloc()), change(rtnl_link_alloc());
  rtnl_link_set_ifindex(orig.get(), index);
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (int err = rtnl_link_change(sock_, orig.get(), change.get(), 0); err < 0) {
    return nl_error("set device " + std::to_string(index) + " up", err);
  }
  return Status::ok();
}

Status Netlink::set_master(int index, int master) {
  LinkPtr orig(rtnl_link_alloc()), change(rtnl_link_alloc());
  rtnl_link_set_ifindex(orig.get(), index);
  rtnl_link_set_master(change.get(), master);
  if (int err = rtnl_link_change(sock_, orig.get(), change.get(), 0); err < 0) {
    return nl_error("attach device " + std::to_string(index) + " to " + std::to_string(master), err);
  }
  return Status::ok();
}

Status Netlink::add_address(int index, uint32_t addr, int prefix) {
  RtAddrPtr a(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(a.get(), index);
  AddrPtr local = ipv4_addr(addr, prefix);
  rtnl_addr_set_local(a.get(), local.get());
  if (prefix < 31) {
    AddrPtr bcast = ipv4_addr(addr | (prefix == 0 ? ~0u : ~(~0u << (32 - prefix))), 32);
    rtnl_addr_set_broadcast(a.get(), bcast.get());
  }
  int err = rtnl_addr_add(sock_, a.get(), 0);
  if (err < 0 && -err != NLE_EXIST) return nl_error("add address " + format_ipv4(addr) + "/" + std::to_string(prefix), err);
  return Status::ok();
}

Status Netlink::replace_route(const Ipv4Net& dst, uint32_t gateway, int oif, bool onlink) {
  RoutePtr r(rtnl_route_alloc());
  rtnl_route_set_family(r.get(), AF_INET);
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(r.get(), kRouteProtocol);
  rtnl_route_set_scope(r.get(), gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtnl_route_set_type(r.get(), RTN_UNICAST);
  AddrPtr d = ipv4_addr(dst.base, dst.prefix);
  rtnl_route_set_dst(r.get(), d.get());
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (oif > 0) rtnl_route_nh_set_ifindex(nh, oif);
  AddrPtr gw;
  if (gateway) {
    gw = ipv4_addr(gateway, 32);
    rtnl_route_nh_set_gateway(nh, gw.get());
  }
  if (onlink) rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
  rtnl_route_add_nexthop(r.get(), nh);  // the route owns it now
  if (int err = rtnl_route_add(sock_, r.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0) {
    return nl_error("add route " + dst.text() + (gateway ? " via " + format_ipv4(gateway) : ""), err);
  }
  return Status::ok();
}

Status Netlink::delete_route(const Ipv4Net& dst) {
  RoutePtr r(rtnl_route_alloc());
  rtnl_route_set_family(r.get(), AF_INET);
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(r.get(), kRouteProtocol);
  rtnl_route_set_scope(r.get(), RT_SCOPE_NOWHERE);
  AddrPtr d = ipv4_addr(dst.base, dst.prefix);
  rtnl_route_set_dst(r.get(), d.get());
  int err = rtnl_route_delete(sock_, r.get(), 0);
  if (err < 0 && -err != NLE_OBJ_NOTFOUND) return nl_error("delete route " + dst.text(), err);
  return Status::ok();
}

Result<std::vector<RouteEntry>> Netlink::own_routes() {
  nl_cache* raw = nullptr;
  if (int err = rtnl_route_alloc_cache(sock_, AF_INET, 0, &raw); err < 0) return nl_error("list routes", err);
  CachePtr cache(raw);
  std::vector<RouteEntry> out;
  for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_protocol(r) != kRouteProtocol || rtnl_route_get_table(r) != RT_TABLE_MAIN) continue;
    nl_addr* d = rtnl_route_get_dst(r);
    if (!d || nl_addr_get_family(d) != AF_INET) continue;
    RouteEntry e;
    uint32_t be = 0;
    if (nl_addr_get_len(d) == 4) std::memcpy(&be, nl_addr_get_binary_addr(d), 4);
    e.dst = {ntohl(be), static_cast<int>(nl_addr_get_prefixlen(d))};
    if (rtnl_route_get_nnexthops(r) > 0) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
      e.oif = rtnl_route_nh_get_ifindex(nh);
      if (nl_addr* gw = rtnl_route_nh_get_gateway(nh); gw && nl_addr_get_len(gw) == 4) {
        uint32_t g = 0;
        std::memcpy(&g, nl_addr_get_binary_addr(gw), 4);
        e.gateway = ntohl(g);
      }
    }
    out.push_back(e);
  }
  return out;
}

Status Netlink::replace_neighbor(int index, uint32_t ip, const std::string& mac) {
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(n.get(), index);
  rtnl_neigh_set_family(n.get(), AF_INET);
  AddrPtr dst = ipv4_addr(ip, 32);
  rtnl_neigh_set_dst(n.get(), dst.get());
  AddrPtr ll = mac_addr(mac);
  if (!ll) return make_error(Errc::invalid_argument, "bad MAC address " + mac);
  rtnl_neigh_set_lladdr(n.get(), ll.get());
  rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
  if (int err = rtnl_neigh_add(sock_, n.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0) {
    return nl_error("add neighbor " + format_ipv4(ip) + " lladdr " + mac, err);
  }
  return Status::ok();
}

Status Netlink::delete_neighbor(int index, uint32_t ip) {
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(n.get(), index);
  rtnl_neigh_set_family(n.get(), AF_INET);
  AddrPtr dst = ipv4_addr(ip, 32);
  rtnl_neigh_set_dst(n.get(), dst.get());
  int err = rtnl_neigh_delete(sock_, n.get(), 0);
  if (err < 0 && -err != NLE_OBJ_NOTFOUND && -err != NLE_NODEV) return nl_error("delete neighbor " + format_ipv4(ip), err);
  return Status::ok();
}

Status Netlink::replace_fdb(int index, const std::string& mac, uint32_t remote) {
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(n.get(), index);
  AddrPtr ll = mac_addr(mac);
  if (!ll) return make_error(Errc::invalid_argument, "bad MAC address " + mac);
  rtnl_neigh_set_lladdr(n.get(), ll.get());
  AddrPtr dst = ipv4_addr(remote, 32);
  rtnl_neigh_set_dst(n.get(), dst.get());
  // After the destination: libnl takes the family from it and refuses a different one.
  rtnl_neigh_set_family(n.get(), AF_BRIDGE);
  rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
  rtnl_neigh_set_flags(n.get(), NTF_SELF);
  if (int err = rtnl_neigh_add(sock_, n.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0) {
    return nl_error("add forwarding entry " + mac + " dst " + format_ipv4(remote), err);
  }
  return Status::ok();
}

Status Netlink::delete_fdb(int index, const std::string& mac, uint32_t remote) {
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(n.get(), index);
  AddrPtr ll = mac_addr(mac);
  if (!ll) return make_error(Errc::invalid_argument, "bad MAC address " + mac);
  rtnl_neigh_set_lladdr(n.get(), ll.get());
  AddrPtr dst = ipv4_addr(remote, 32);
  rtnl_neigh_set_dst(n.get(), dst.get());
  // After the destination: libnl takes the family from it and refuses a different one.
  rtnl_neigh_set_family(n.get(), AF_BRIDGE);
  rtnl_neigh_set_flags(n.get(), NTF_SELF);
  int err = rtnl_neigh_delete(sock_, n.get(), 0);
  if (err < 0 && -err != NLE_OBJ_NOTFOUND && -err != NLE_NODEV) return nl_error("delete forwarding entry " + mac, err);
  return Status::ok();
}

std::string device_with_address(uint32_t addr) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    if (ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr) == addr) {
      found = a->ifa_name;
      break;
    }
  }
  ::freeifaddrs(list);
  return found;
}

Status write_sysctl(const std::string& path, const std::string& value) {
  std::string file = "/proc/sys/" + path;
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + file, errno);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return errno_error("write " + file, errno);
  }
  return Status::ok();
}

}  // namespace mk::agent::network
