#include "agent/proxy/service_rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "api/json_path.h"

namespace mk::agent::proxy {
namespace {

using nlohmann::json;
using nftables::Fragment;

constexpr int kDefaultAffinitySeconds = 10800;  // upstream's default ClientIP timeout (3 h)

struct Endpoint {
  std::string ip;
  int port = 0;
  bool local = false;
  bool operator<(const Endpoint& o) const { return std::tie(ip, port) < std::tie(o.ip, o.port); }
};

struct Candidate {
  Endpoint ep;
  bool ready = true, serving = true, terminating = false;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool flag(const json& conditions, const char* name, bool fallback) {
  if (!conditions.is_object()) return fallback;
  auto it = conditions.find(name);
  return it != conditions.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// Upstream's choice: ready endpoints; when there are none, those still serving while
// terminating (so a rolling update never leaves a gap).
std::vector<Endpoint> usable(const std::vector<Candidate>& all) {
  std::set<Endpoint> ready, fallback;
  for (const auto& c : all) {
    if (c.ready) ready.insert(c.ep);
    else if (c.serving && c.terminating) fallback.insert(c.ep);
  }
  const auto& chosen = ready.empty() ? fallback : ready;
  return {chosen.begin(), chosen.end()};
}

std::vector<Candidate> candidates(const std::vector<const json*>& slices, const std::string& port_name,
                                  const std::string& protocol, const std::string& node) {
  std::vector<Candidate> out;
  for (const json* slice : slices) {
    if (api::string_at(*slice, "addressType", "IPv4") != "IPv4") continue;
    const json* ports = api::find_path(*slice, "ports");
    const json* endpoints = api::find_path(*slice, "endpoints");
    if (!ports || !ports->is_array() || !endpoints || !endpoints->is_array()) continue;
    int port = 0;
    for (const auto& p : *ports) {
      if (api::string_at(p, "name") == port_name && api::string_at(p, "protocol", "TCP") == protocol) {
        port = static_cast<int>(api::int_at(p, "port"));
        break;
      }
    }
    if (port <= 0 || port > 65535) continue;
    for (const auto& e : *endpoints) {
      const json* addresses = api::find_path(e, "addresses");
      if (!addresses || !addresses->is_array() || addresses->empty() || !(*addresses)[0].is_string()) continue;
      std::string ip = (*addresses)[0].get<std::string>();
      if (!is_ipv4(ip)) continue;
      const json* cond = api::find_path(e, "conditions");
      json none = json::object();
      const json& c = cond ? *cond : none;
      Candidate cand;
      cand.ep = {ip, port, !node.empty() && api::string_at(e, "nodeName") == node};
      cand.ready = flag(c, "ready", true);
      cand.serving = flag(c, "serving", cand.ready);
      cand.terminating = flag(c, "terminating", false);
      out.push_back(cand);
    }
  }
  return out;
}

std::vector<std::string> ipv4_list(const json& svc, const char* path) {
  std::vector<std::string> out;
  const json* list = api::find_path(svc, path);
  if (!list || !list->is_array()) return out;
  for (const auto& v : *list) {
    if (v.is_string() && is_ipv4(v.get<std::string>())) out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<std::string> ingress_ips(const json& svc) {
  std::vector<std::string> out;
  const json* list = api::find_path(svc, "status.loadBalancer.ingress");
  if (!list || !list->is_array()) return out;
  for (const auto& v : *list) {
    std::string ip = api::string_at(v, "ip");
    if (is_ipv4(ip)) out.push_back(ip);
  }
  return out;
}

// The rules of a chain that picks one of `eps` at random: a cascade of draws (1/N, then
// 1/(N-1), ...) as kube-proxy's iptables mode, each rule DNATing itself or, with ClientIP
// affinity, going to the endpoint's chain after the affinity sets are consulted. No anonymous
// sets: every set in the table is something libnftables fetches before each transaction.
std::vector<std::string> balance(const std::vector<Endpoint>& eps, const std::string& proto,
                                 const std::function<std::string(const Endpoint&)>& ep_chain,
                                 const std::function<std::string(const Endpoint&)>& aff_set, bool affinity) {
  std::vector<std::string> rules;
  if (affinity) {
    for (const auto& e : eps) rules.push_back("ip saddr @" + aff_set(e) + " goto " + ep_chain(e));
  }
  for (size_t i = 0; i < eps.size(); ++i) {
    std::string draw = i + 1 < eps.size() ? "numgen random mod " + std::to_string(eps.size() - i) + " == 0 " : "";
    std::string target = affinity ? "goto " + ep_chain(eps[i])
                                  : "meta l4proto " + proto + " dnat to " + eps[i].ip + ":" + std::to_string(eps[i].port);
    rules.push_back(draw + target);
  }
  return rules;
}

}  // namespace

std::string name_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out += kAlphabet[h & 31];
    h >>= 5;
  }
  return out;
}

std::string nft_name(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '/') c = '_';
  }
  return out;
}

bool is_ipv4(const std::string& text) {
  in_addr a{};
  return text.find_first_not_of("0123456789.") == std::string::npos && inet_pton(AF_INET, text.c_str(), &a) == 1;
}

bool is_ipv4_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos || !is_ipv4(text.substr(0, slash))) return false;
  std::string bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 2 || bits.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoi(bits) <= 32;
}

std::string service_table_name(const std::string& node_name) { return nft_name("minikube-svc-" + node_name); }

std::string service_table_skeleton() {
  // Priorities are numeric: nft 1.0.6 refuses `dstnat` on the output hook.
  return R"(  map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
  map service-nodeports { type inet_proto . inet_service : verdict; }
  map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; }
  map no-endpoint-nodeports { type inet_proto . inet_service : verdict; }
  chain mark-for-masquerade { meta mark set meta mark | 0x4000; }
  chain masquerading { meta mark & 0x4000 == 0 return; meta mark set meta mark ^ 0x4000; masquerade fully-random; }
  chain services {
    ip daddr . meta l4proto . th dport vmap @service-ips
    fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
  }
  chain nat-prerouting { type nat hook prerouting priority -100; policy accept; jump services; }
  chain nat-output { type nat hook output priority -100; policy accept; jump services; }
  set hairpin { type ipv4_addr . ipv4_addr; }
  chain nat-postrouting {
    type nat hook postrouting priority 100; policy accept;
    ct status dnat ip saddr . ip daddr @hairpin masquerade fully-random
    jump masquerading
  }
  chain reject-chain { reject; }
  chain endpoints-check {
    ip daddr . meta l4proto . th dport vmap @no-endpoint-services
    fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports
  }
  map firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
  chain firewall-check { ip daddr . meta l4proto . th dport vmap @firewall-ips; }
  chain filter-prerouting { type filter hook prerouting priority -110; policy accept; ct state new jump firewall-check; }
  chain filter-input { type filter hook input priority -110; policy accept; ct state new jump endpoints-check; }
  chain filter-forward { type filter hook forward priority -110; policy accept; ct state new jump endpoints-check; }
  chain filter-output {
    type filter hook output priority -110; policy accept;
    ct state new jump firewall-check
    ct state new jump endpoints-check
  })";
}

ServiceRules build_service_rules(const json& svc, const std::vector<const json*>& slices, const ProxySettings& settings) {
  ServiceRules out;
  std::string type = api::string_at(svc, "spec.type", "ClusterIP");
  std::string cluster_ip = api::string_at(svc, "spec.clusterIP");
  if (type == "ExternalName" || !is_ipv4(cluster_ip) || cluster_ip == settings.cluster_dns) return out;
  const json* ports = api::find_path(svc, "spec.ports");
  if (!ports || !ports->is_array()) return out;

  const std::string ns = nft_name(api::string_at(svc, "metadata.namespace"));
  const std::string name = nft_name(api::string_at(svc, "metadata.name"));
  const bool external_local = api::string_at(svc, "spec.externalTrafficPolicy") == "Local";
  const bool internal_local = api::string_at(svc, "spec.internalTrafficPolicy") == "Local";
  const bool affinity = api::string_at(svc, "spec.sessionAffinity") == "ClientIP";
  int64_t affinity_seconds = api::int_at(svc, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", kDefaultAffinitySeconds);
  if (affinity_seconds <= 0 || affinity_seconds > 86400) affinity_seconds = kDefaultAffinitySeconds;
  std::vector<std::string> external_ips = ipv4_list(svc, "spec.externalIPs");
  std::vector<std::string> lb_ips = type == "LoadBalancer" ? ingress_ips(svc) : std::vector<std::string>{};
  external_ips.insert(external_ips.end(), lb_ips.begin(), lb_ips.end());
  // loadBalancerSourceRanges: only these sources may use the LoadBalancer IPs (not the NodePort).
  std::vector<std::string> source_ranges;
  bool ranges_given = false;
  if (const json* r = api::find_path(svc, "spec.loadBalancerSourceRanges"); r && r->is_array()) {
    for (const auto& v : *r) {
      if (!v.is_string()) continue;
      std::string text = v.get<std::string>();
      ranges_given |= !text.empty();
      if (is_ipv4_cidr(text)) source_ranges.push_back(text);
      else if (is_ipv4(text)) source_ranges.push_back(text + "/32");
    }
  }
  std::sort(external_ips.begin(), external_ips.end());
  external_ips.erase(std::unique(external_ips.begin(), external_ips.end()), external_ips.end());
  const bool has_cidr = is_ipv4_cidr(settings.cluster_cidr);

  Fragment& f = out.fragment;
  for (const auto& p : *ports) {
    std::string protocol = api::string_at(p, "protocol", "TCP");
    std::string proto = lower(protocol);
    if (proto != "tcp" && proto != "udp" && proto != "sctp") continue;
    int64_t port = api::int_at(p, "port");
    if (port <= 0 || port > 65535) continue;
    int64_t node_port = type == "NodePort" || type == "LoadBalancer" ? api::int_at(p, "nodePort") : 0;
    if (node_port < 0 || node_port > 65535) node_port = 0;
    std::string port_name = api::string_at(p, "name");

    const std::string id = ns + "/" + name + "/" + proto + "/" + std::to_string(port);
    const std::string hash = name_hash(id);
    const std::string svc_chain = "service-" + hash + "-" + id;
    const std::string local_chain = "local-" + hash + "-" + id;
    const std::string ext_chain = "external-" + hash + "-" + id;
    const std::string fw_chain = "firewall-" + hash + "-" + id;
    auto ep_id = [&](const Endpoint& e) { return id + "__" + e.ip + "/" + std::to_string(e.port); };
    auto ep_chain = [&](const Endpoint& e) { return "endpoint-" + name_hash(ep_id(e)) + "-" + ep_id(e); };
    // The timeout is part of the name, so a changed timeout makes a new set.
    auto aff_set = [&](const Endpoint& e) {
      return "affinity-" + name_hash(ep_id(e) + "@" + std::to_string(affinity_seconds)) + "-" + ep_id(e);
    };

    auto all_candidates = candidates(slices, port_name, protocol, settings.node_name);
    std::vector<Endpoint> all = usable(all_candidates);
    std::vector<Candidate> local_candidates;
    for (const auto& c : all_candidates) {
      if (c.ep.local) local_candidates.push_back(c);
    }
    std::vector<Endpoint> local = usable(local_candidates);

    const std::string port_s = std::to_string(port);
    const std::string node_port_s = std::to_string(node_port);
    auto& service_ips = f.elements["service-ips"];
    auto& nodeports = f.elements["service-nodeports"];
    auto& no_ep = f.elements["no-endpoint-services"];
    auto& no_ep_nodeports = f.elements["no-endpoint-nodeports"];

    if (ranges_given && !lb_ips.empty()) {
      std::string set;
      for (const auto& r : source_ranges) set += (set.empty() ? "" : ", ") + r;
      // No IPv4 range at all: no IPv4 source is allowed (as kube-proxy).
      f.chains[fw_chain] = {set.empty() ? "drop" : "ip saddr != { " + set + " } drop"};
      for (const auto& ip : lb_ips) f.elements["firewall-ips"][ip + " . " + proto + " . " + port_s] = "goto " + fw_chain;
    }

    if (all.empty()) {
      // Refused as kube-proxy does: ICMP port unreachable (a TCP client sees "connection refused").
      no_ep[cluster_ip + " . " + proto + " . " + port_s] = "goto reject-chain";
      for (const auto& ip : external_ips) no_ep[ip + " . " + proto + " . " + port_s] = "goto reject-chain";
      if (node_port) no_ep_nodeports[proto + " . " + node_port_s] = "goto reject-chain";
      continue;
    }

    std::set<Endpoint> used;
    // Cluster chain: every usable endpoint.
    {
      std::vector<std::string> rules;
      if (has_cidr) {
        // Sources outside the pod network reach the endpoint masqueraded, so replies come back here.
        rules.push_back("ip daddr " + cluster_ip + " " + proto + " dport " + port_s + " ip saddr != " +
                        settings.cluster_cidr + " jump mark-for-masquerade");
      }
      auto b = balance(all, proto, ep_chain, aff_set, affinity);
      rules.insert(rules.end(), b.begin(), b.end());
      f.chains[svc_chain] = std::move(rules);
      used.insert(all.begin(), all.end());
    }
    if ((internal_local || external_local) && !local.empty()) {
      f.chains[local_chain] = balance(local, proto, ep_chain, aff_set, affinity);
      used.insert(local.begin(), local.end());
    }

    // ClusterIP.
    std::string key = cluster_ip + " . " + proto + " . " + port_s;
    if (!internal_local) {
      service_ips[key] = "goto " + svc_chain;
    } else if (!local.empty()) {
      // Masquerading off-pod sources still applies.
      if (has_cidr) f.chains[local_chain].insert(f.chains[local_chain].begin(), f.chains[svc_chain].front());
      service_ips[key] = "goto " + local_chain;
    } else {
      no_ep[key] = "drop";  // Local policy with no endpoint on this node
    }

    // External destinations: externalIPs, LoadBalancer ingress IPs, the NodePort.
    if (!external_ips.empty() || node_port) {
      std::vector<std::string> rules;
      if (!external_local) {
        rules = {"jump mark-for-masquerade", "goto " + svc_chain};
      } else {
        // Pods and the node itself are served as for the ClusterIP; others keep their source
        // address and reach only this node's endpoints.
        if (has_cidr) rules.push_back("ip saddr " + settings.cluster_cidr + " goto " + svc_chain);
        rules.push_back("fib saddr type local jump mark-for-masquerade");
        rules.push_back("fib saddr type local goto " + svc_chain);
        rules.push_back(local.empty() ? "drop" : "goto " + local_chain);
      }
      f.chains[ext_chain] = std::move(rules);
      for (const auto& ip : external_ips) service_ips[ip + " . " + proto + " . " + port_s] = "goto " + ext_chain;
      if (node_port) nodeports[proto + " . " + node_port_s] = "goto " + ext_chain;
    }

    for (const auto& e : used) {
      // Hairpin: a pod reaching itself through the service is masqueraded (in postrouting), so
      // its reply comes back through the node's conntrack.
      f.elements["hairpin"][e.ip + " . " + e.ip] = "";
      if (!affinity) continue;
      // With affinity each endpoint has a chain that remembers the client for the timeout.
      f.sets[aff_set(e)] = "{ type ipv4_addr; flags dynamic,timeout; timeout " + std::to_string(affinity_seconds) + "s; }";
      f.chains[ep_chain(e)] = {"update @" + aff_set(e) + " { ip saddr }",
                               "meta l4proto " + proto + " dnat to " + e.ip + ":" + std::to_string(e.port)};
    }

    if (proto == "udp") {
      std::vector<std::string> dests = {cluster_ip};
      dests.insert(dests.end(), external_ips.begin(), external_ips.end());
      for (const auto& d : dests) {
        out.udp_served.push_back({d, static_cast<uint16_t>(port), ""});
        for (const auto& e : used) out.udp_endpoints.push_back({d, static_cast<uint16_t>(port), e.ip});
      }
      if (node_port) {
        out.udp_served.push_back({"", static_cast<uint16_t>(node_port), ""});
        for (const auto& e : used) out.udp_endpoints.push_back({"", static_cast<uint16_t>(node_port), e.ip});
      }
    }
  }
  // Drop maps left empty so fragments compare equal however they were built.
  for (auto it = f.elements.begin(); it != f.elements.end();) {
    it = it->second.empty() ? f.elements.erase(it) : std::next(it);
  }
  std::sort(out.udp_endpoints.begin(), out.udp_endpoints.end());
  std::sort(out.udp_served.begin(), out.udp_served.end());
  return out;
}

std::vector<UdpFlowFilter> stale_udp_flows(const ServiceRules& before, const ServiceRules& after) {
  std::vector<UdpFlowFilter> out;
  std::set_difference(before.udp_endpoints.begin(), before.udp_endpoints.end(), after.udp_endpoints.begin(),
                      after.udp_endpoints.end(), std::back_inserter(out));
  std::set_difference(after.udp_served.begin(), after.udp_served.end(), before.udp_served.begin(),
                      before.udp_served.end(), std::back_inserter(out));
  return out;
}

}  // namespace mk::agent::proxy
