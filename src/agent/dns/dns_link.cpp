#include "agent/dns/dns_link.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <cstdio>

#include "common/log.h"

namespace mk::agent::dns {
namespace {

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct LinkDeleter {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrDeleter {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrDeleter {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using Sock = std::unique_ptr<nl_sock, SockDeleter>;

Error nl_error(const std::string& what, int err) {
  return make_error(err == -NLE_PERM ? Errc::permission_denied : Errc::io, what + ": " + nl_geterror(err));
}

Result<Sock> connect_route() {
  Sock sock(nl_socket_alloc());
  if (!sock) return make_error(Errc::io, "netlink: cannot allocate a socket");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) return nl_error("netlink: connect", err);
  return sock;
}

void delete_link(nl_sock* sock, const std::string& name) {
  std::unique_ptr<rtnl_link, LinkDeleter> link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_delete(sock, link.get());
}

}  // namespace

std::string dns_link_name(const std::string& node_name, const std::string& data_dir) {
  uint32_t h = 2166136261u;
  for (unsigned char c : node_name + '\n' + data_dir) {
    h ^= c;
    h *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "mkdns%08x", h);
  return buf;
}

Result<std::unique_ptr<DnsLink>> DnsLink::create(const std::string& node_name, const std::string& data_dir,
                                                 const std::string& address) {
  std::string name = dns_link_name(node_name, data_dir);
  auto sock = connect_route();
  if (!sock) return sock.error();
  delete_link(sock->get(), name);  // a leftover from an agent that did not stop cleanly

  // A dummy link where the kernel has the driver; else a bridge without ports, which holds a
  // local address just as well (the address is delivered locally whatever the carrier).
  int err = 0;
  for (const char* type : {"dummy", "bridge"}) {
    std::unique_ptr<rtnl_link, LinkDeleter> link(rtnl_link_alloc());
    rtnl_link_set_name(link.get(), name.c_str());
    if ((err = rtnl_link_set_type(link.get(), type)) < 0) continue;
    rtnl_link_set_flags(link.get(), IFF_UP);
    err = rtnl_link_add(sock->get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (err != -NLE_OPNOTSUPP) break;
  }
  if (err < 0) return nl_error("create link " + name, err);
  std::unique_ptr<DnsLink> made(new DnsLink(name));  // from here on the link is removed on failure

  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(sock->get(), 0, name.c_str(), &raw); err < 0) return nl_error("find link " + name, err);
  std::unique_ptr<rtnl_link, LinkDeleter> created(raw);
  int index = rtnl_link_get_ifindex(created.get());

  nl_addr* parsed = nullptr;
  std::string cidr = address + (address.find(':') == std::string::npos ? "/32" : "/128");
  if (int err = nl_addr_parse(cidr.c_str(), AF_UNSPEC, &parsed); err < 0) return nl_error("parse address " + address, err);
  std::unique_ptr<nl_addr, NlAddrDeleter> local(parsed);
  std::unique_ptr<rtnl_addr, AddrDeleter> addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), index);
  rtnl_addr_set_family(addr.get(), nl_addr_get_family(local.get()));
  if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0) return nl_error("address " + cidr, err);
  if (int err = rtnl_addr_add(sock->get(), addr.get(), 0); err < 0) return nl_error("add " + cidr + " to " + name, err);

  // Up again in case the flag was not honoured at creation.
  std::unique_ptr<rtnl_link, LinkDeleter> change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  if ((err = rtnl_link_change(sock->get(), created.get(), change.get(), 0)) < 0) return nl_error("set " + name + " up", err);
  return made;
}

DnsLink::~DnsLink() {
  auto sock = connect_route();
  if (!sock) return;
  delete_link(sock->get(), name_);
}

}  // namespace mk::agent::dns
