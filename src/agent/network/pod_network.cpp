#include "agent/network/pod_network.h"

#include <fcntl.h>

#include <cerrno>

#include "agent/network/nat_table.h"
#include "common/log.h"
#include "common/unique_fd.h"

namespace mk::agent::network {
namespace {

constexpr int kVxlanOverhead = 50;  // outer IPv4 + UDP + VXLAN + Ethernet headers
constexpr uint32_t kVni = 1;
constexpr uint16_t kVxlanPort = 8472;  // the Linux default, which flannel keeps

}  // namespace

Result<Backend> parse_backend(const std::string& text) {
  if (text == "vxlan") return Backend::vxlan;
  if (text == "host-gw") return Backend::host_gw;
  return make_error(Errc::invalid_argument, "flannel backend \"" + text + "\" is not supported (vxlan or host-gw)");
}

std::string backend_name(Backend backend) { return backend == Backend::vxlan ? "vxlan" : "host-gw"; }

PodNetwork::PodNetwork(NetworkConfig config, Netlink nl, Ipv4Net pod_net)
    : config_(std::move(config)),
      names_(node_names(config_.node_name)),
      nl_(std::move(nl)),
      pod_net_(pod_net),
      subnets_{pod_net.text()},
      ipam_(config_.state_dir + "/ipam", pod_net) {}

Result<std::unique_ptr<PodNetwork>> PodNetwork::start(NetworkConfig config) {
  auto pod_net = parse_ipv4_net(config.pod_cidr);
  if (!pod_net) return make_error(Errc::invalid_argument, "pod CIDR \"" + config.pod_cidr + "\" is not an IPv4 CIDR");
  if (pod_net->prefix > 30) return make_error(Errc::invalid_argument, "pod CIDR " + config.pod_cidr + " is too small");
  auto nl = Netlink::open();
  if (!nl) return nl.error();
  std::unique_ptr<PodNetwork> net(new PodNetwork(std::move(config), std::move(*nl), *pod_net));

  int uplink_mtu = 1500;
  if (auto ip = parse_ipv4(net->config_.node_ip)) {
    std::string dev = device_with_address(*ip);
    if (dev.empty()) return make_error(Errc::invalid_argument, "node IP " + net->config_.node_ip + " is not an address of this host");
    // A node IP on loopback (a single-node test setup) says nothing about real links.
    if (auto l = net->nl_.link(dev); l && l->mtu > 0 && dev != "lo") uplink_mtu = l->mtu;
  }
  net->mtu_ = net->config_.mtu > 0 ? net->config_.mtu
                                   : uplink_mtu - (net->config_.backend == Backend::vxlan ? kVxlanOverhead : 0);

  if (auto s = write_sysctl("net/ipv4/ip_forward", "1"); !s) return s.error().wrap("enable IPv4 forwarding");
  std::lock_guard<std::mutex> lock(net->mu_);
  if (auto s = net->ensure_bridge(); !s) return s.error();
  if (auto s = net->write_table(); !s) return s.error();
  if (auto vx = net->nl_.link(net->names_.vxlan)) net->config_.vtep_mac = vx->mac;
  MK_LOG(info) << "network: node " << net->config_.node_name << ": pods on " << net->names_.bridge << " ("
               << format_ipv4(pod_net->gateway()) << "/" << pod_net->prefix << ", MTU " << net->mtu_ << "), backend "
               << backend_name(net->config_.backend) << ", " << net->ipam_.list().size() << " address(es) held";
  return net;
}

// The bridge with the gateway address, up, and every held pod's veth on it (after a restart the
// bridge may have been re-created and lost its ports).
Status PodNetwork::ensure_bridge() {
  auto br = nl_.link(names_.bridge);
  if (!br) {
    if (br.error().code != Errc::not_found) return br.error();
    if (auto s = nl_.create_bridge(names_.bridge, mtu_); !s && s.error().code != Errc::already_exists) return s;
    br = nl_.link(names_.bridge);
    if (!br) return br.error();
    MK_LOG(info) << "network: created bridge " << names_.bridge;
  }
  if (auto s = nl_.add_address(br->index, pod_net_.gateway(), pod_net_.prefix); !s) return s.error().wrap("bridge " + names_.bridge);
  if (auto s = nl_.set_up(br->index); !s) return s;
  for (const auto& a : ipam_.list()) {
    auto veth = nl_.link(veth_name(config_.node_name, a.uid));
    if (!veth) continue;
    if (veth->master != br->index) {
      if (auto s = nl_.set_master(veth->index, br->index); !s) return s;
    }
    if (!veth->up) (void)nl_.set_up(veth->index);
  }
  return Status::ok();
}

Status PodNetwork::write_table() {
  return apply_nat_table({names_.table, pod_net_.text(), {subnets_.begin(), subnets_.end()}, ipam_.list()});
}

void PodNetwork::forget_except(const std::set<std::string>& known) {
  std::lock_guard<std::mutex> lock(mu_);
  bool changed = false;
  for (const auto& a : ipam_.list()) {
    if (known.count(a.uid)) continue;
    MK_LOG(info) << "network: releasing " << a.ip << " of pod " << a.uid << ", which is gone";
    (void)nl_.delete_link(veth_name(config_.node_name, a.uid));
    if (auto s = ipam_.release(a.uid); !s) MK_LOG(warn) << "network: " << s.error().message;
    changed |= !a.host_ports.empty();
  }
  if (changed) {
    if (auto s = write_table(); !s) MK_LOG(warn) << "network: " << s.error().message;
  }
}

Result<PodAddress> PodNetwork::attach(const std::string& uid, const std::string& netns_path,
                                      const std::vector<HostPort>& host_ports) {
  std::lock_guard<std::mutex> lock(mu_);
  // The bridge may be gone (deleted by hand); pods must not end up on nothing.
  if (auto s = ensure_bridge(); !s) return s.error();
  auto held = ipam_.allocate(uid, host_ports);
  if (!held) return held.error();
  auto ip = parse_ipv4(held->ip);
  std::string host_end = veth_name(config_.node_name, uid);
  auto fail = [&](const Error& e) -> Error {
    (void)nl_.delete_link(host_end);
    (void)ipam_.release(uid);
    if (!host_ports.empty()) (void)write_table();
    return e.wrap("attach pod " + uid + " to the pod network");
  };

  UniqueFd ns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return fail(errno_error("open " + netns_path, errno));
  if (auto s = nl_.delete_link(host_end); !s) return fail(s.error());  // left by an earlier attempt
  auto pod_nl = Netlink::open_in(netns_path);
  if (!pod_nl) return fail(pod_nl.error());
  (void)pod_nl->delete_link("eth0");
  if (auto s = nl_.create_veth(host_end, "eth0", ns.get(), mtu_); !s) return fail(s.error());
  auto br = nl_.link(names_.bridge);
  if (!br) return fail(br.error());
  auto host = nl_.link(host_end);
  if (!host) return fail(host.error());
  if (auto s = nl_.set_master(host->index, br->index); !s) return fail(s.error());
  if (auto s = nl_.set_up(host->index); !s) return fail(s.error());

  auto eth0 = pod_nl->link("eth0");
  if (!eth0) return fail(eth0.error());
  if (auto s = pod_nl->add_address(eth0->index, *ip, pod_net_.prefix); !s) return fail(s.error());
  if (auto s = pod_nl->set_up(eth0->index); !s) return fail(s.error());
  if (auto s = pod_nl->replace_route({0, 0}, pod_net_.gateway(), eth0->index, false); !s) return fail(s.error());
  if (!host_ports.empty()) {
    if (auto s = write_table(); !s) return fail(s.error());
  }
  MK_LOG(info) << "network: pod " << uid << " has " << held->ip << " (" << host_end << ")";
  return PodAddress{held->ip, format_ipv4(pod_net_.gateway()), pod_net_.prefix};
}

Status PodNetwork::detach(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto held = ipam_.find(uid);
  if (auto s = nl_.delete_link(veth_name(config_.node_name, uid)); !s) return s;
  if (!held) return Status::ok();
  if (auto s = ipam_.release(uid); !s) return s;
  if (!held->host_ports.empty()) {
    if (auto s = write_table(); !s) return s;
  }
  MK_LOG(info) << "network: released " << held->ip << " of pod " << uid;
  return Status::ok();
}

Result<int> PodNetwork::vtep_index() {
  if (auto vx = nl_.link(names_.vxlan)) return vx->index;
  auto local = parse_ipv4(config_.node_ip);
  if (!local) return make_error(Errc::unavailable, "no node IP to send VXLAN traffic from");
  std::string uplink = device_with_address(*local);
  auto up = uplink.empty() ? Result<LinkInfo>(make_error(Errc::not_found, "node IP " + config_.node_ip + " is not an address of this host"))
                           : nl_.link(uplink);
  if (!up) return up.error();
  VxlanSpec spec{names_.vxlan, kVni, *local, up->index, kVxlanPort, mtu_, config_.vtep_mac};
  if (auto s = nl_.create_vxlan(spec); !s) return s.error();
  auto vx = nl_.link(names_.vxlan);
  if (!vx) return vx.error();
  // Like flannel: the subnet's network address as a /32, the source of host-to-pod traffic.
  if (auto s = nl_.add_address(vx->index, pod_net_.base, 32); !s) return s.error();
  if (auto s = nl_.set_up(vx->index); !s) return s.error();
  (void)write_sysctl("net/ipv6/conf/" + names_.vxlan + "/accept_ra", "0");
  config_.vtep_mac = vx->mac;
  MK_LOG(info) << "network: created VXLAN device " << names_.vxlan << " (VNI " << kVni << ", port " << kVxlanPort
               << ", local " << config_.node_ip << ", MAC " << vx->mac << ")";
  return vx->index;
}

Result<std::string> PodNetwork::ensure_vtep() {
  if (config_.backend != Backend::vxlan) return std::string();
  std::lock_guard<std::mutex> lock(mu_);
  auto index = vtep_index();
  if (!index) return index.error();
  return config_.vtep_mac;
}

Status PodNetwork::set_remotes(const std::vector<RemoteNode>& remotes) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, RemoteNode> wanted;
  std::set<std::string> subnets{pod_net_.text()};
  for (const auto& r : remotes) {
    if (r.name == config_.node_name) continue;
    auto net = parse_ipv4_net(r.pod_cidr);
    if (!net || *net == pod_net_) continue;
    subnets.insert(net->text());
    if (!parse_ipv4(r.public_ip) || r.public_ip == config_.node_ip) continue;
    if (config_.backend == Backend::vxlan && r.vtep_mac.empty()) continue;
    wanted[net->text()] = r;
  }
  Status result;
  if (subnets != subnets_) {
    subnets_ = subnets;
    result = write_table();
  }
  int vx = 0;
  if (config_.backend == Backend::vxlan && !wanted.empty()) {
    auto index = vtep_index();
    if (!index) return index.error().wrap("reach other nodes over VXLAN");
    vx = *index;
    // A re-created device (deleted by hand) has none of the entries: program them all again.
    if (vx != vtep_ifindex_) programmed_.clear();
    vtep_ifindex_ = vx;
  }
  // Gone: routes we made before (also by an earlier agent) that no node needs any more. Through
  // the VXLAN device they are surely this node's; host-gw routes carry the protocol tag.
  std::set<std::string> stale;
  int own_vx = 0;
  if (auto vxl = nl_.link(names_.vxlan)) own_vx = vxl->index;
  if (auto own = nl_.own_routes()) {
    for (const auto& route : *own) {
      bool ours = config_.backend == Backend::vxlan ? (own_vx && route.oif == own_vx) : route.gateway != 0;
      if (ours && !wanted.count(route.dst.text())) stale.insert(route.dst.text());
    }
  }
  for (const auto& [cidr, r] : programmed_) {
    if (!wanted.count(cidr)) stale.insert(cidr);
  }
  for (const auto& cidr : stale) {
    auto net = parse_ipv4_net(cidr);
    if (auto s = nl_.delete_route(*net); !s && result) result = s;
    if (auto vxl = nl_.link(names_.vxlan)) {
      (void)nl_.delete_neighbor(vxl->index, net->base);
      if (auto it = programmed_.find(cidr); it != programmed_.end() && !it->second.vtep_mac.empty()) {
        (void)nl_.delete_fdb(vxl->index, it->second.vtep_mac, *parse_ipv4(it->second.public_ip));
      }
    }
    if (programmed_.erase(cidr)) MK_LOG(info) << "network: removed the route to " << cidr;
  }
  for (const auto& [cidr, r] : wanted) {
    auto net = *parse_ipv4_net(cidr);
    uint32_t public_ip = *parse_ipv4(r.public_ip);
    auto it = programmed_.find(cidr);
    if (it != programmed_.end() && it->second.public_ip == r.public_ip && it->second.vtep_mac == r.vtep_mac) continue;
    if (it != programmed_.end() && vx && !it->second.vtep_mac.empty() && it->second.vtep_mac != r.vtep_mac) {
      (void)nl_.delete_fdb(vx, it->second.vtep_mac, *parse_ipv4(it->second.public_ip));
    }
    Status s;
    if (config_.backend == Backend::vxlan) {
      // flannel's order: ARP, FDB, then the route, so the kernel never has to resolve the gateway.
      s = nl_.replace_neighbor(vx, net.base, r.vtep_mac);
      if (s) s = nl_.replace_fdb(vx, r.vtep_mac, public_ip);
      if (s) s = nl_.replace_route(net, net.base, vx, true);
    } else {
      s = nl_.replace_route(net, public_ip, 0, false);
    }
    if (!s) {
      MK_LOG(warn) << "network: route to node " << r.name << " (" << cidr << "): " << s.error().message;
      if (result) result = s;
      continue;
    }
    programmed_[cidr] = r;
    MK_LOG(info) << "network: pods of node " << r.name << " (" << cidr << ") via " << r.public_ip
                 << (config_.backend == Backend::vxlan ? " over " + names_.vxlan : "");
  }
  return result;
}

Status PodNetwork::remove(const std::string& node_name) {
  NodeNames n = node_names(node_name);
  auto nl = Netlink::open();
  if (!nl) return nl.error();
  Status result;
  for (const auto& dev : {n.vxlan, n.bridge}) {
    if (auto s = nl->delete_link(dev); !s && result) result = s;
  }
  if (auto s = delete_nat_table(n.table); !s && result) result = s;
  return result;
}

}  // namespace mk::agent::network
