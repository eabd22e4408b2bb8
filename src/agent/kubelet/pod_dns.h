#pragma once
// A pod's resolv.conf as the kubelet writes it (pkg/kubelet/network/dns), per dnsPolicy:
//   ClusterFirst (the default)  nameserver <cluster DNS>; search <ns>.svc.<domain> svc.<domain>
//                               <domain> + the host's search domains; options ndots:5.
//                               A hostNetwork pod falls back to Default.
//   ClusterFirstWithHostNet     ClusterFirst, also for hostNetwork pods
//   Default                     the host's resolver (loopback nameservers left out)
//   None                        nothing but dnsConfig
// Then dnsConfig is appended: its nameservers and searches after the policy's (duplicates
// dropped), its options replacing the policy's of the same name. At most 3 nameservers and
// 32 search domains (2048 characters) are kept, as the kubelet does.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "runtime/pod/pod_spec.h"

namespace mk::agent::kubelet {

struct PodDnsSettings {
  std::string cluster_dns = "10.43.0.10";  // empty: ClusterFirst falls back to Default
  std::string cluster_domain = "cluster.local";
  // The host's resolver: nameservers (without loopback ones), search domains, options.
  std::vector<std::string> host_nameservers, host_searches, host_options;
};

// The settings from the cluster's and the host's (dns::host_resolv_conf()).
PodDnsSettings pod_dns_settings(const std::string& cluster_dns, const std::string& cluster_domain);

// Fills spec.dns_servers, dns_searches and dns_options from the Pod object.
void apply_cluster_dns(runtime::pod::PodSpec& spec, const nlohmann::json& pod, const PodDnsSettings& settings);

}  // namespace mk::agent::kubelet
