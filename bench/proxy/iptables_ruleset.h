#pragma once
// kube-proxy's iptables-mode nat rules for a set of ClusterIP services (KUBE-SERVICES with one
// rule per service, KUBE-SVC-* load balancing with the statistic cascade, KUBE-SEP-* DNAT per
// endpoint, masquerade marking), in iptables-restore format: the baseline's input.

#include <string>
#include <vector>

namespace mk::proxybench {

struct BenchService {
  std::string ns, name, cluster_ip;
  int port = 80;
  std::vector<std::string> endpoint_ips;
  int endpoint_port = 8080;
};

std::string iptables_ruleset(const std::vector<BenchService>& services, const std::string& cluster_cidr);

}  // namespace mk::proxybench
