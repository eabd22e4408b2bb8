#pragma once
// The nftables rules of one Service, in the shape of kube-proxy's nftables mode: its
// ClusterIP, externalIPs and LoadBalancer ingress IPs in the `service-ips` verdict map,
// NodePorts in `service-nodeports`, each leading to a per-port chain that picks an endpoint at
// random and DNATs to it (with ClientIP affinity through a per-endpoint chain and timed set);
// masquerade where kube-proxy does (off-pod sources to a ClusterIP, external traffic with
// Cluster policy, hairpin through a set of endpoint pairs). A port without endpoints is
// rejected. Unlike kube-proxy there is no chain per endpoint and no anonymous set: libnftables
// fetches every chain and set of the namespace before each transaction, so they would make
// each update cost milliseconds per thousand. Pure functions: the proxier runs them.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "agent/nftables/table_sync.h"
#include "agent/proxy/conntrack.h"

namespace mk::agent::proxy {

struct ProxySettings {
  std::string node_name;
  std::string cluster_cidr = "10.42.0.0/16";  // pod addresses: sources from elsewhere are masqueraded
  std::string cluster_dns = "10.43.0.10";     // answered on every node by the node's DNS: no rules
};

// The table's fixed part: base chains, dispatch, masquerading, rejection.
std::string service_table_skeleton();
// "minikube-svc-<node>", with characters nft names do not take replaced.
std::string service_table_name(const std::string& node_name);

struct ServiceRules {
  nftables::Fragment fragment;
  // UDP destinations (service IP or "" for a NodePort, port) with the endpoint IPs behind them.
  std::vector<UdpFlowFilter> udp_endpoints;
  // UDP destinations that have endpoints (entries made while they had none are stale).
  std::vector<UdpFlowFilter> udp_served;
};

// The rules for `service` with the EndpointSlices labelled for it. Services the node does not
// proxy (ExternalName, headless, the cluster DNS address) give empty rules.
ServiceRules build_service_rules(const nlohmann::json& service, const std::vector<const nlohmann::json*>& slices,
                                 const ProxySettings& settings);

// What to remove from conntrack when a service's rules go from `before` to `after`: entries
// answered by endpoints no longer used, and entries to destinations that just got endpoints.
std::vector<UdpFlowFilter> stale_udp_flows(const ServiceRules& before, const ServiceRules& after);

// A short stable hash (8 characters of base32), as kube-proxy prefixes its chain names.
std::string name_hash(const std::string& text);
// `text` with every character nft does not take in a name replaced by '_'.
std::string nft_name(const std::string& text);
// True if `text` is a dotted IPv4 address (so it can go into a rule verbatim).
bool is_ipv4(const std::string& text);
// True if `text` is an IPv4 CIDR (a.b.c.d/n).
bool is_ipv4_cidr(const std::string& text);

}  // namespace mk::agent::proxy
